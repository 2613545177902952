using System.Collections.Immutable;
using System.Globalization;
using BlueGreen.Orleans.Instances;
using BlueGreen.Orleans.Services;

namespace BlueGreen.Orleans.Grains.Instances;

/// <summary>Turns a colour's spec and a version into one <see cref="InstanceSpec"/> per instance slot.</summary>
public static class InstanceSpecs
{
    public static string InstanceName(string service, Colour colour, InstanceSlot slot) => $"{service}-{colour.Name()}-{slot.Server}";

    public static IReadOnlyList<InstanceSpec> For(string service, Colour colour, ColourSpec spec, string version) =>
        spec.Instances.Select(slot =>
        {
            var name = InstanceName(service, colour, slot);
            string Fill(string text) => text
                .Replace("{version}", version, StringComparison.Ordinal)
                .Replace("{colour}", colour.Name(), StringComparison.Ordinal)
                .Replace("{address}", slot.Address, StringComparison.Ordinal)
                .Replace("{port}", slot.Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
                .Replace("{instance}", name, StringComparison.Ordinal);

            var environment = spec.Environment.ToDictionary(e => e.Key, e => Fill(e.Value));
            environment.TryAdd("VERSION", version);
            environment.TryAdd("COLOUR", colour.Name());
            environment.TryAdd("ADDRESS", slot.Address);
            environment.TryAdd("PORT", slot.Port.ToString(CultureInfo.InvariantCulture));
            environment.TryAdd("INSTANCE_ID", name);
            return new InstanceSpec
            {
                Name = name,
                Image = spec.Image is null ? null : Fill(spec.Image),
                Command = spec.Command is null ? null : Fill(spec.Command),
                Arguments = spec.Arguments.Select(Fill).ToImmutableList(),
                Environment = environment,
                Labels = new Dictionary<string, string>
                {
                    ["bluegreen.service"] = service,
                    ["bluegreen.colour"] = colour.Name(),
                    ["bluegreen.version"] = version,
                },
                Address = slot.Address,
                Port = slot.Port,
            };
        }).ToList();
}
