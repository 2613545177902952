using System.Text.Json.Serialization;

namespace BlueGreen.Orleans.Agent.Routes;

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(RouteStateDocument))]
internal sealed partial class RouteStateJson : JsonSerializerContext;
