using System.CommandLine;
using BlueGreen.Orleans.Demo;

var proxies = new Option<int>("--proxies") { Description = "Local haproxy instances (1-20).", DefaultValueFactory = _ => 3 };
var clients = new Option<int>("--clients") { Description = "Concurrent load clients (closed loop, never retrying).", DefaultValueFactory = _ => 50 };
var root = new RootCommand("BlueGreen.Orleans demo: release → promote → rollback of a service behind local haproxy instances, under load.")
{
    proxies, clients,
};
root.SetAction((parse, cancellationToken) => DemoRun.RunAsync(new DemoOptions(parse.GetValue(proxies), parse.GetValue(clients)), cancellationToken));
// Ctrl-C cancels the run; the cleanup (processes stopped by PID) gets time to finish before the process ends.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
