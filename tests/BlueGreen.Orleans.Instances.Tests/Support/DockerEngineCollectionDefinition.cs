namespace BlueGreen.Orleans.Instances.Tests.Support;

/// <summary>All Docker tests share one engine (starting dockerd and building the image take seconds).</summary>
[CollectionDefinition(Name)]
public sealed class DockerEngineCollectionDefinition : ICollectionFixture<DockerEngineFixture>
{
    public const string Name = "docker engine";
}
