namespace BlueGreen.Orleans.Instances;

/// <summary>A user of this host as the user database knows it: what a process instance runs as.</summary>
public sealed record UserAccount(string Name, uint Uid, uint Gid)
{
    /// <summary>The user named <paramref name="name"/>, or null when the user database has none.</summary>
    public static UserAccount? Find(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!OperatingSystem.IsLinux() || name.Any(c => char.IsControl(c) || c is ':' or '/'))
        {
            return null;
        }

        for (var size = 1024; size <= 1 << 20; size *= 4)
        {
            var buffer = new byte[size];
            var error = NativeMethods.GetPasswordEntry(name, out var entry, buffer, (nuint)buffer.Length, out var result);
            if (error == NativeMethods.Range)
            {
                continue;
            }

            return error == 0 && result != 0 ? new UserAccount(name, entry.Uid, entry.Gid) : null;
        }

        return null;
    }
}
