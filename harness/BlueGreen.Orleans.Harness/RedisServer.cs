using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace BlueGreen.Orleans.Harness;

/// <summary>A real redis-server on 127.0.0.1 and a free port, without persistence, stopped by PID.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly Process _process;

    private RedisServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>
    /// <paramref name="password"/>: <c>requirepass</c>. <paramref name="tls"/>: TLS only (no cleartext port), with that
    /// certificate and key, and client certificates required from that CA (<c>tls-auth-clients yes</c>, the default).
    /// </summary>
    public static async Task<RedisServer> StartAsync(string? password = null, (string Certificate, string Key, string Ca)? tls = null)
    {
        var port = Loopback.FreePort();
        var portText = port.ToString(CultureInfo.InvariantCulture);
        var start = new ProcessStartInfo("redis-server")
        {
            ArgumentList = { "--bind", "127.0.0.1", "--save", string.Empty, "--appendonly", "no", "--daemonize", "no" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (tls is { } files)
        {
            foreach (var argument in new[] { "--port", "0", "--tls-port", portText, "--tls-cert-file", files.Certificate, "--tls-key-file", files.Key, "--tls-ca-cert-file", files.Ca })
            {
                start.ArgumentList.Add(argument);
            }
        }
        else
        {
            start.ArgumentList.Add("--port");
            start.ArgumentList.Add(portText);
        }

        if (password is not null)
        {
            start.ArgumentList.Add("--requirepass");
            start.ArgumentList.Add(password);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start redis-server.");
        TrackedProcesses.Track(process);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return new RedisServer(process, port);
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        await TrackedProcesses.StopAsync(process);
        throw new TimeoutException($"redis-server did not listen on {port} within 10 s.");
    }

    public async ValueTask DisposeAsync()
    {
        await TrackedProcesses.StopAsync(_process);
        _process.Dispose();
    }
}
