using System.Text.Json;
using Google.Protobuf;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Cli.Specs;

/// <summary>
/// Reads a service spec from YAML or JSON in the proto's JSON mapping (<c>route_key</c> or <c>routeKey</c>, durations
/// as <c>"30s"</c>). Unknown fields are errors, so a typo does not silently drop a setting.
/// </summary>
internal static class SpecFile
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(false));

    public static V1.ServiceSpec Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new CliException($"-f: '{Names.Printable(path)}' does not exist.");
        }

        var text = File.ReadAllText(path);
        if (text.Length > 1024 * 1024)
        {
            throw new CliException($"-f: '{Names.Printable(path)}' is larger than 1 MiB.");
        }

        return Parse(text, path.EndsWith(".json", StringComparison.OrdinalIgnoreCase));
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

    private static readonly string[] DurationFields =
        ["health_timeout", "healthTimeout", "drain_timeout", "drainTimeout", "keep_warm", "keepWarm", "verify_window", "verifyWindow", "stop_timeout", "stopTimeout"];

    /// <summary>Durations may be written 500ms, 2m or 1h like on the command line; proto JSON wants seconds ("120s").</summary>
    private static string NormalizeDurations(string json)
    {
        // A key written twice is refused (JsonNode would throw ArgumentException on reading it: exit 1).
        if (System.Text.Json.Nodes.JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) is not System.Text.Json.Nodes.JsonObject root)
        {
            throw new CliException("spec: the file must hold one object.");
        }

        foreach (var field in DurationFields)
        {
            if (root[field] is System.Text.Json.Nodes.JsonValue value && value.TryGetValue<string>(out var text))
            {
                var span = Durations.Parse(text, $"spec.{field}");
                root[field] = span.TotalSeconds.ToString("0.#########", System.Globalization.CultureInfo.InvariantCulture) + "s";
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
        // A key written twice is refused, like an unknown one: the later value would silently win.
        var tree = new DeserializerBuilder().WithDuplicateKeyChecking().Build().Deserialize<object?>(yaml) ?? throw new CliException("spec: the file is empty.");
        return JsonSerializer.Serialize(Normalize(tree));
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
