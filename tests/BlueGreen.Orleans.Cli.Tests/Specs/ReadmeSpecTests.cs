using System.Text.RegularExpressions;
using BlueGreen.Orleans.Cli.Specs;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Cli.Tests.Specs;

/// <summary>
/// Every YAML example of the README loads through the CLI's own spec reader and checks, exactly as printed: a whole
/// spec as it is, a lone colour (<c>green:</c> …) in place of that colour of the README's first whole spec. A renamed
/// field or a rule the README breaks fails here, not on a reader's machine. (The tour's spec, inside a shell block,
/// is run by ReadmeTourTests.)
/// </summary>
public sealed partial class ReadmeSpecTests
{
    [GeneratedRegex("^```yaml\\n(.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex YamlBlock();

    public static TheoryData<int, string> Blocks()
    {
        var data = new TheoryData<int, string>();
        var readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));
        foreach (Match m in YamlBlock().Matches(readme))
        {
            data.Add(readme[..m.Index].Count(c => c == '\n') + 1, m.Groups[1].Value);
        }

        return data;
    }

    [Fact]
    public void Readme_HasYamlExamples_AtLeastTheSpecAndTheDockerColour() => Assert.True(Blocks().Count >= 2);

    [Theory]
    [MemberData(nameof(Blocks))]
    public void Readme_YamlExample_LoadsAndPassesTheChecks(int line, string yaml)
    {
        var text = yaml;
        if (!yaml.StartsWith("name:", StringComparison.Ordinal))
        {
            // A lone colour: put it in place of that colour of the first whole spec.
            var whole = Blocks().Select(b => (string)b[1]).First(b => b.StartsWith("name:", StringComparison.Ordinal));
            var colour = yaml[..yaml.IndexOf(':', StringComparison.Ordinal)];
            var lines = whole.Split('\n');
            var start = Array.FindIndex(lines, l => l.StartsWith(colour + ":", StringComparison.Ordinal));
            var end = Array.FindIndex(lines, start + 1, l => l.Length > 0 && !char.IsWhiteSpace(l[0]));
            text = string.Join('\n', lines[..start]) + "\n" + yaml + (end < 0 ? string.Empty : string.Join('\n', lines[end..]));
        }

        var exception = Record.Exception(() => SpecChecks.Check(SpecFile.Parse(text, json: false)));

        Assert.True(exception is null, $"README.md line {line}: {exception?.Message}");
    }
}
