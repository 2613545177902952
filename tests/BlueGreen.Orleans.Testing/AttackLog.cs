using System.Reflection;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Testing;

/// <summary>
/// The attacks a test run tried and what came of them, for <c>docs/security.md</c>: one tab-separated line per attack in
/// <c>TestResults/security/&lt;test assembly&gt;.tsv</c> (never a tracked file), rendered into the document by
/// <c>scripts/publish-reports.sh</c>. A test records before it asserts, so an attack that got through shows as such.
/// </summary>
public static class AttackLog
{
    private static readonly Lock Gate = new();
    private static string? _path;

    /// <param name="area">Which door: gRPC auth, CLI, spec file, Runtime API…</param>
    /// <param name="attack">What was tried, with its count when it was many requests.</param>
    /// <param name="result">What the server answered and what changed (ideally nothing).</param>
    /// <param name="held">Whether the defence held.</param>
    public static void Record(string area, string attack, string result, bool held)
    {
        var line = string.Join('\t', Clean(area), Clean(attack), Clean(result), held ? "held" : "FAILED") + "\n";
        lock (Gate)
        {
            if (_path is null)
            {
                var folder = Path.Combine(Repository.Root, "TestResults", "security");
                Directory.CreateDirectory(folder);
                _path = Path.Combine(folder, (Assembly.GetEntryAssembly() is { } entry && entry.GetName().Name is { } name && !name.StartsWith("testhost", StringComparison.Ordinal) ? name : TestAssemblyName()) + ".tsv");
                File.WriteAllText(_path, string.Empty);
            }

            File.AppendAllText(_path, line);
        }
    }

    private static string TestAssemblyName() =>
        AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name).FirstOrDefault(n => n is not null && n.EndsWith(".Tests", StringComparison.Ordinal)) ?? "tests";

    private static string Clean(string text) => text.Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' ');
}
