using System.Text.Json;
using BlueGreen.Orleans.Rules;
using Google.Protobuf;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Cli.Specs;

/// <summary>
/// Reads a service spec from YAML or JSON in the proto's JSON mapping (<c>route_key</c> or <c>routeKey</c>, durations
/// as <c>"30s"</c>). Unknown fields are errors, so a typo does not silently drop a setting. The file is bounded before
/// anything is parsed: at most <see cref="MaxBytes"/>, and no YAML anchors or aliases (a 1 KB "billion laughs" file
/// expands to gigabytes). Deep nesting is YamlDotNet's own to refuse ("Maximum level of recursion reached").
/// </summary>
internal static class SpecFile
{
    /// <summary>1 MiB: a spec of a few hundred instances is a few tens of KB.</summary>
    public const int MaxBytes = 1024 * 1024;

    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(false));

    public static V1.ServiceSpec Load(string path) => Parse(Read(path), path.EndsWith(".json", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The file's text, refused when larger than <see cref="MaxBytes"/>: by its size before it is opened, and by what
    /// it yields while it is read (a device, a pipe or a file that grows says nothing true about its size).
    /// </summary>
    private static string Read(string path)
    {
        var shown = Names.Printable(path);
        if (Directory.Exists(path))
        {
            throw new CliException($"-f: '{shown}' is a directory.");
        }

        if (!File.Exists(path))
        {
            throw new CliException($"-f: '{shown}' does not exist.");
        }

        var tooLarge = new CliException($"-f: '{shown}' is larger than 1 MiB ({MaxBytes} bytes), the most a spec file may hold.");
        try
        {
            if (new FileInfo(path).Length > MaxBytes)
            {
                throw tooLarge;
            }

            var bytes = new byte[MaxBytes + 1];
            var length = 0;
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan))
            {
                int read;
                while (length < bytes.Length && (read = stream.Read(bytes, length, bytes.Length - length)) > 0)
                {
                    length += read;
                }
            }

            if (length > MaxBytes)
            {
                throw tooLarge;
            }

            // As File.ReadAllText: UTF-8 unless a byte order mark says otherwise.
            using var reader = new StreamReader(new MemoryStream(bytes, 0, length), System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            return reader.ReadToEnd();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"-f: '{shown}' cannot be read ({e.GetType().Name}).");
        }
    }

    public static V1.ServiceSpec Parse(string text, bool json)
    {
        try
        {
            return Parser.Parse<V1.ServiceSpec>(NormalizeDurations(json ? text : YamlToJson(text)));
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidJsonException or YamlException or JsonException or FormatException)
        {
            throw new CliException($"spec: {e.Message}");
        }
        catch (CliException e) when (!e.Message.StartsWith("spec", StringComparison.Ordinal))
        {
            throw new CliException($"spec: {e.Message}");
        }
    }

    /// <summary>The duration fields in both spellings of the proto's JSON mapping, with their rules.</summary>
    private static readonly (string Field, DurationRule Rule)[] DurationFields =
    [
        ("health_timeout", FieldRules.HealthTimeout), ("healthTimeout", FieldRules.HealthTimeout),
        ("drain_timeout", FieldRules.DrainTimeout), ("drainTimeout", FieldRules.DrainTimeout),
        ("keep_warm", FieldRules.KeepWarm), ("keepWarm", FieldRules.KeepWarm),
        ("verify_window", FieldRules.VerifyWindow), ("verifyWindow", FieldRules.VerifyWindow),
        ("stop_timeout", FieldRules.StopTimeout), ("stopTimeout", FieldRules.StopTimeout),
        ("max_response_time", FieldRules.MaxResponseTime), ("maxResponseTime", FieldRules.MaxResponseTime),
    ];

    /// <summary>Durations may be written 500ms, 2m or 1h like on the command line; proto JSON wants seconds ("120s").</summary>
    private static string NormalizeDurations(string json)
    {
        // A key written twice is refused (JsonNode would throw ArgumentException on reading it: exit 1).
        if (System.Text.Json.Nodes.JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) is not System.Text.Json.Nodes.JsonObject root)
        {
            throw new CliException("spec: the file must hold one object.");
        }

        foreach (var (field, rule) in DurationFields)
        {
            if (root[field] is System.Text.Json.Nodes.JsonValue value && value.TryGetValue<string>(out var text))
            {
                var span = Durations.Parse(text, $"spec.{field}", rule);
                root[field] = span.TotalSeconds.ToString("0.#########", System.Globalization.CultureInfo.InvariantCulture) + "s";
            }
        }

        // A hook's timeout as the spec's own durations; its retries stay a string, which proto JSON takes for an int.
        if (root["hooks"] is System.Text.Json.Nodes.JsonArray hooks)
        {
            foreach (var hook in hooks.OfType<System.Text.Json.Nodes.JsonObject>())
            {
                if (hook["timeout"] is System.Text.Json.Nodes.JsonValue value && value.TryGetValue<string>(out var text))
                {
                    var span = Durations.Parse(text, "spec.hooks.timeout", FieldRules.StopTimeout);
                    hook["timeout"] = span.TotalSeconds.ToString("0.#########", System.Globalization.CultureInfo.InvariantCulture) + "s";
                }
            }
        }

        // YAML scalars arrive as strings, and proto JSON takes only true/false for a bool: host_network: true.
        foreach (var colour in new[] { root["blue"], root["green"] }.OfType<System.Text.Json.Nodes.JsonObject>())
        {
            foreach (var field in BoolFields)
            {
                if (colour[field] is System.Text.Json.Nodes.JsonValue value && value.TryGetValue<string>(out var text) && bool.TryParse(text, out var flag))
                {
                    colour[field] = flag;
                }
            }
        }

        return root.ToJsonString();
    }

    private static readonly string[] BoolFields = ["host_network", "hostNetwork"];

    private static string YamlToJson(string yaml)
    {
        RefuseAliases(yaml);

        // A key written twice is refused, like an unknown one: the later value would silently win.
        var tree = new DeserializerBuilder().WithDuplicateKeyChecking().Build().Deserialize<object?>(yaml) ?? throw new CliException("spec: the file is empty.");
        return JsonSerializer.Serialize(Normalize(tree));
    }

    /// <summary>
    /// One pass over the YAML events before anything is built. An alias makes the tree a graph whose copy as JSON grows
    /// exponentially with the file ("billion laughs"); a spec never needs one, and an anchor only serves aliases.
    /// </summary>
    private static void RefuseAliases(string yaml)
    {
        var parser = new Parser(new StringReader(yaml));
        while (parser.MoveNext())
        {
            var current = parser.Current!;
            if (current is AnchorAlias)
            {
                throw new CliException($"spec: line {current.Start.Line}: YAML aliases (*name) are not allowed in a spec; write the value out.");
            }

            if (current is NodeEvent { Anchor.IsEmpty: false })
            {
                throw new CliException($"spec: line {current.Start.Line}: YAML anchors (&name) are not allowed in a spec; write the value out.");
            }
        }
    }

    /// <summary>
    /// YAML scalars stay strings: proto3's JSON mapping accepts quoted numbers for numeric fields, and a version such
    /// as <c>2</c> must stay the string "2".
    /// </summary>
    private static object? Normalize(object? node) => node switch
    {
        IDictionary<object, object?> map => map.ToDictionary(e => e.Key.ToString()!, e => Normalize(e.Value)),
        IList<object?> list => list.Select(Normalize).ToList(),
        _ => node,
    };
}
