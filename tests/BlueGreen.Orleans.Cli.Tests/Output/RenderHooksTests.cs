using BlueGreen.Orleans.Cli.Output;
using Spectre.Console;
using Spectre.Console.Rendering;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Cli.Tests.Output;

public sealed class RenderHooksTests
{
    private static string Text(IRenderable renderable)
    {
        using var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 200;
        console.Write(renderable);
        return writer.ToString();
    }

    [Fact]
    public void Hooks_ServiceWithHooks_OneLineEachAndTheSecretFileByName()
    {
        var service = new V1.Service { Spec = new V1.ServiceSpec { Name = "web", HookSecret = "web-key" } };
        service.Spec.Hooks.Add(new V1.Hook { Event = "before_switch", Url = "https://ci.example.com/gates/[web]", Timeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(10)), Retries = 3 });

        var text = Text(Render.Hooks(service));

        Assert.Equal("hooks, signed with the server's secret file web-key:\n  before_switch https://ci.example.com/gates/[web] (timeout 10 s, 3 retries)\n", text.Replace("\r", string.Empty, StringComparison.Ordinal));
    }

    [Fact]
    public void Hooks_ServiceWithout_Nothing() => Assert.Equal(string.Empty, Text(Render.Hooks(new V1.Service { Spec = new V1.ServiceSpec { Name = "web" } })));
}
