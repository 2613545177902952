using System.Runtime.InteropServices;

namespace BlueGreen.Orleans.Grains.Proxies;

/// <summary>
/// Where a path really leads: the path made absolute as the writers make it (<see cref="Path.GetFullPath(string)"/>),
/// its existing part resolved by realpath(3) (every symlink followed, '..' taken after them, as the kernel does), the
/// rest (not created yet) appended as it is. Checks of "is this under that folder" compare these, never the text sent.
/// </summary>
internal static partial class RealPath
{
    /// <summary>The real path, or null when its existing part cannot be resolved (a dangling symlink, a loop, no access).</summary>
    public static string? Resolve(string path)
    {
        var existing = Path.GetFullPath(path);
        var missing = new Stack<string>();
        while (!Exists(existing))
        {
            var parent = Path.GetDirectoryName(existing);
            if (parent is null)
            {
                return null;
            }

            missing.Push(Path.GetFileName(existing));
            existing = parent;
        }

        var pointer = NativeRealPath(existing, 0);
        if (pointer == 0)
        {
            return null;
        }

        try
        {
            var real = Marshal.PtrToStringUTF8(pointer)!;
            while (missing.TryPop(out var name))
            {
                real = Path.Combine(real, name);
            }

            return real;
        }
        finally
        {
            Free(pointer);
        }
    }

    /// <summary>Whether <paramref name="path"/> really lies inside the folder <paramref name="root"/> (both resolved).</summary>
    public static bool IsUnder(string path, string root)
    {
        if (Resolve(path) is not { } real || Resolve(root) is not { } realRoot)
        {
            return false;
        }

        var prefix = realRoot.EndsWith('/') ? realRoot : realRoot + "/";
        return real.Length > prefix.Length && real.StartsWith(prefix, StringComparison.Ordinal);
    }

    // A symlink counts as existing even when dangling, so realpath gets to refuse it instead of it being taken as a
    // name still to be created (creating through it would land wherever it points).
    private static bool Exists(string path)
    {
        try
        {
            return Path.Exists(path) || new FileInfo(path).LinkTarget is not null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not readable: taken as existing, so realpath refuses it rather than the rest being appended unseen.
            return true;
        }
    }

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint NativeRealPath(string path, nint resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void Free(nint pointer);
}
