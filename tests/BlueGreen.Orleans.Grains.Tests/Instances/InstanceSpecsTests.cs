using BlueGreen.Orleans.Grains.Instances;
using BlueGreen.Orleans.Services;

namespace BlueGreen.Orleans.Grains.Tests.Instances;

public sealed class InstanceSpecsTests
{
    private static readonly ColourSpec Docker = new()
    {
        Runtime = "docker",
        Image = "web:{version}",
        Arguments = ["--address", "{address}", "--port", "{port}"],
        Instances = [new InstanceSlot("s1", "127.0.0.5", 3000)],
    };

    [Fact]
    public void For_DockerByDefault_ListensOnAllContainerAddressesAndPublishesOnTheSlot()
    {
        var instance = Assert.Single(InstanceSpecs.For("web", Orleans.Colour.Green, Docker with { ContainerPort = 8080 }, "2"));

        Assert.False(instance.HostNetwork);
        Assert.Equal(("127.0.0.5", 3000, 8080), (instance.Address, instance.Port, instance.ContainerPort));
        Assert.Equal(["--address", "0.0.0.0", "--port", "8080"], instance.Arguments);
        Assert.Equal(("0.0.0.0", "8080"), (instance.Environment["ADDRESS"], instance.Environment["PORT"]));
    }

    [Fact]
    public void For_DockerWithoutContainerPort_PublishesTheSlotPort()
    {
        var instance = Assert.Single(InstanceSpecs.For("web", Orleans.Colour.Green, Docker, "2"));

        Assert.Equal(3000, instance.ContainerPort);
        Assert.Equal(["--address", "0.0.0.0", "--port", "3000"], instance.Arguments);
    }

    [Fact]
    public void For_DockerOnHostNetwork_ListensOnTheSlot()
    {
        var instance = Assert.Single(InstanceSpecs.For("web", Orleans.Colour.Green, Docker with { HostNetwork = true }, "2"));

        Assert.True(instance.HostNetwork);
        Assert.Null(instance.ContainerPort);
        Assert.Equal(["--address", "127.0.0.5", "--port", "3000"], instance.Arguments);
    }

    [Fact]
    public void For_Process_ListensOnTheSlotAndFillsTheCommand()
    {
        var process = Docker with { Runtime = "process", Image = null, Command = "/opt/web/{version}/run" };

        var instance = Assert.Single(InstanceSpecs.For("web", Orleans.Colour.Blue, process, "7"));

        Assert.Equal("/opt/web/7/run", instance.Command);
        Assert.Equal(["--address", "127.0.0.5", "--port", "3000"], instance.Arguments);
    }
}
