using BlueGreen.Orleans;
using Orleans.Serialization.Configuration;

[assembly: TypeManifestProvider(typeof(ColourManifest))]

namespace BlueGreen.Orleans;

/// <summary>Keeps the alias <c>bluegreen.Colour</c> that a boxed <see cref="Colour"/> was written with.</summary>
internal sealed class ColourManifest : TypeManifestProviderBase
{
    protected override void ConfigureInner(TypeManifestOptions config) =>
        config.WellKnownTypeAliases.Add("bluegreen.Colour", typeof(Colour));
}
