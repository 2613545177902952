using System.Globalization;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>A spec of a <see cref="GatewayFixture"/> service whose colours are echo processes, and their processes by pid.</summary>
internal static class EchoService
{
    public static async Task<string> WriteSpecAsync(GatewayFixture fixture, TempFolder folder, string proxyId, string service, string? liveVersion, string greenExtra = "", string keepWarm = "10m", string healthTimeout = "60s")
    {
        var (bluePort, greenPort) = fixture.Ports[service];
        var arguments = $"\"{EchoInstance.DllPath}\", \"--address\", \"{{address}}\", \"--port\", \"{{port}}\", \"--colour\", \"{{colour}}\", \"--version\", \"{{version}}\"";
        var path = folder.File($"{service}.yaml");
        await File.WriteAllTextAsync(path, string.Create(CultureInfo.InvariantCulture, $"""
            name: {service}
            route_key: {service}.local
            proxies: [{proxyId}]
            {(liveVersion is null ? string.Empty : $"live_version: \"{liveVersion}\"")}
            health_timeout: {healthTimeout}
            drain_timeout: 5s
            keep_warm: {keepWarm}
            stop_timeout: 5s
            blue:
              command: {EchoInstance.Dotnet}
              arguments: [{arguments}]
              instances: [{"{"} server: s1, address: 127.0.0.1, port: {bluePort} {"}"}]
            green:
              command: {EchoInstance.Dotnet}
              arguments: [{arguments}{greenExtra}]
              instances: [{"{"} server: s1, address: 127.0.0.1, port: {greenPort} {"}"}]
            """));
        return path;
    }

    /// <summary>The pid the server's process runtime recorded for an instance (the first line of its pid file).</summary>
    public static int? Pid(GatewayFixture fixture, string instance)
    {
        var path = Path.Combine(fixture.DataDirectory, "instances", instance + ".pid");
        return File.Exists(path) && int.TryParse(File.ReadLines(path).First(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }

    /// <summary>Alive: /proc has it and it is not a zombie waiting to be reaped.</summary>
    public static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            return stat[stat.LastIndexOf(')') + 2] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>SIGKILL by pid, and wait until it is gone.</summary>
    public static async Task StopAsync(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            process.Kill();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (ArgumentException)
        {
            // Already gone.
        }
        catch (InvalidOperationException)
        {
            // Exited between the lookup and the kill.
        }
    }
}
