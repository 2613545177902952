using System.CommandLine;
using BlueGreen.Orleans.Bench;

var root = new RootCommand("BlueGreen.Orleans benchmarks: every figure is measured against real haproxy processes on 127.0.0.x.");
root.Subcommands.Add(SetMapBenchmark.Command());
root.Subcommands.Add(RuntimeReadsBenchmark.Command());
root.Subcommands.Add(FleetSwitchBenchmark.Command());
root.Subcommands.Add(AgentReloadBenchmark.Command());
root.Subcommands.Add(AgentAbBenchmark.Command());
root.Subcommands.Add(StreamFloorBenchmark.Command());
root.Subcommands.Add(ReleaseLatencyBenchmark.Command());
root.Subcommands.Add(CanaryBenchmark.Command());
root.Subcommands.Add(ServerMemoryBenchmark.Command());
root.Subcommands.Add(BlueGreen.Orleans.Bench.Soak.SoakCommand.Command());
root.Subcommands.Add(BlueGreen.Orleans.Bench.Load.LoadProofBenchmark.Command());
root.Subcommands.Add(BlueGreen.Orleans.Bench.Scale.ScaleBenchmark.Command());
return await root.Parse(args).InvokeAsync();
