using BlueGreen.Orleans.Agent;
using BlueGreen.Orleans.Agent.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var options = AgentCommandLine.Parse(args, Console.Out, Console.Error, out var exitCode);
if (options is null)
{
    return exitCode;
}

using var stateLock = StateDirectoryLock.TryAcquire(options.StateDirectory);
if (stateLock is null)
{
    await Console.Error.WriteLineAsync("bluegreen-agent: error: another bluegreen-agent uses this --state-dir.");
    return AgentCommandLine.Usage;
}

// Settings come from the command line only: no appsettings.json, no environment variables to surprise an operator.
var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
builder.Logging.AddSimpleConsole(console =>
{
    console.SingleLine = true;
    console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
    console.UseUtcTimestamp = true;
});
// Everything on stderr (journald keeps it); stdout stays for --help.
builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
builder.Logging.SetMinimumLevel(LogLevel.Information);
builder.Services.AddBlueGreenAgent(options);
await builder.Build().RunAsync();
return 0;
