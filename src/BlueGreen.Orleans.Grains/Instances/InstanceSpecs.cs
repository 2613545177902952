using System.Collections.Immutable;
using System.Globalization;
using BlueGreen.Orleans.Instances;
using BlueGreen.Orleans.Services;

namespace BlueGreen.Orleans.Grains.Instances;

/// <summary>Turns a colour's spec and a version into one <see cref="InstanceSpec"/> per instance slot.</summary>
public static class InstanceSpecs
{
    public static string InstanceName(string service, Colour colour, InstanceSlot slot) => $"{service}-{colour.Name()}-{slot.Server}";

    /// <summary>What a container with a network of its own listens on: all of its own addresses.</summary>
    public const string ContainerListenAddress = "0.0.0.0";

    public static IReadOnlyList<InstanceSpec> For(string service, Colour colour, ColourSpec spec, string version) =>
        spec.Instances.Select(slot =>
        {
            var name = InstanceName(service, colour, slot);
            // {address} and {port} are where the program listens. A container that is not on the host's network listens
            // on its own addresses and its container port; Docker publishes that port on the slot's address and port.
            var published = spec.Runtime == "docker" && !spec.HostNetwork;
            var address = published ? ContainerListenAddress : slot.Address;
            var port = (published ? spec.ContainerPort ?? slot.Port : slot.Port).ToString(CultureInfo.InvariantCulture);
            string Fill(string text) => text
                .Replace("{version}", version, StringComparison.Ordinal)
                .Replace("{colour}", colour.Name(), StringComparison.Ordinal)
                .Replace("{address}", address, StringComparison.Ordinal)
                .Replace("{port}", port, StringComparison.Ordinal)
                .Replace("{instance}", name, StringComparison.Ordinal);

            var environment = spec.Environment.ToDictionary(e => e.Key, e => Fill(e.Value));
            environment.TryAdd("VERSION", version);
            environment.TryAdd("COLOUR", colour.Name());
            environment.TryAdd("ADDRESS", address);
            environment.TryAdd("PORT", port);
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
                HostNetwork = spec.HostNetwork,
                ContainerPort = published ? spec.ContainerPort ?? slot.Port : null,
            };
        }).ToList();
}
