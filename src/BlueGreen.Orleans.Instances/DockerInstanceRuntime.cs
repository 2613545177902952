using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text.Json;
using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BlueGreen.Orleans.Instances;

/// <summary>
/// Instances as Docker containers named after the instance, on the engine at <see cref="DockerRuntimeOptions.Endpoint"/>.
/// The container name is the only key: an orchestrator that restarted finds its containers again by name.
/// </summary>
public sealed partial class DockerInstanceRuntime : IInstanceRuntime, IDisposable
{
    /// <summary>The label every container of this runtime carries; its value is the instance name.</summary>
    public const string InstanceLabel = "bluegreen.instance";

    private readonly DockerRuntimeOptions _options;
    private readonly ILogger _logger;
    private readonly DockerClientConfiguration _configuration;
    private readonly DockerClient _client;

    public DockerInstanceRuntime(DockerRuntimeOptions options, ILogger<DockerInstanceRuntime>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Uri.TryCreate(options.Endpoint, UriKind.Absolute, out var endpoint)
            || endpoint.Scheme is not ("unix" or "tcp" or "http" or "https" or "npipe"))
        {
            throw new ArgumentException($"'{options.Endpoint}' is not a Docker endpoint (unix:///path or tcp://host:port).", nameof(options));
        }

        InstanceValidation.Timeout(options.StopTimeout);
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _configuration = new DockerClientConfiguration(endpoint);
        _client = _configuration.CreateClient();
    }

    public string Kind => "docker";

    public async Task<InstanceState> StartAsync(InstanceSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Validate(spec);
        if (spec.HostNetwork && !_options.AllowHostNetwork)
        {
            throw new InstanceRuntimeException(spec.Name, $"Container '{spec.Name}' asks for host networking, which this runtime does not allow.");
        }

        var name = spec.Name;
        var parameters = DockerContainerParameters.Create(spec, _options.Network);

        var existing = await FindAsync(name, cancellationToken);
        if (existing is not null)
        {
            Log.Recreating(_logger, name, existing.ID);
            await StopContainerAsync(name, existing, _options.StopTimeout, cancellationToken);
            await RemoveContainerAsync(name, existing.ID, cancellationToken);
        }

        string id;
        try
        {
            id = (await _client.Containers.CreateContainerAsync(parameters, cancellationToken)).ID;
        }
        catch (DockerImageNotFoundException e)
        {
            throw new InstanceImageNotFoundException(name, spec.Image!, _options.Endpoint, e);
        }
        catch (Exception e) when (IsEngineFailure(e, cancellationToken))
        {
            throw EngineFailure(name, "create", e);
        }

        try
        {
            await _client.Containers.StartContainerAsync(id, new ContainerStartParameters(), cancellationToken);
        }
        catch (Exception e) when (IsEngineFailure(e, cancellationToken))
        {
            // The container is left in place (created, not running) so `docker inspect`/`docker logs` can tell why;
            // the next StartAsync or RemoveAsync of this name removes it.
            var failure = EngineFailure(name, "start", e);
            Log.StartFailed(_logger, name, id, failure.Message);
            throw failure;
        }

        var started = await InspectByIdAsync(name, id, cancellationToken)
            ?? throw new InstanceRuntimeException(name, $"Container '{name}' ({id}) vanished right after it started (removed by someone else?).");
        Log.Started(_logger, name, id, spec.Image!);
        return ToState(name, started);
    }

    public async Task StopAsync(string name, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        InstanceValidation.Name(name);
        InstanceValidation.Timeout(timeout);
        var container = await FindAsync(name, cancellationToken);
        if (container is null)
        {
            Log.Absent(_logger, name, "stop");
            return;
        }

        await StopContainerAsync(name, container, timeout, cancellationToken);
    }

    public async Task RemoveAsync(string name, CancellationToken cancellationToken = default)
    {
        InstanceValidation.Name(name);
        var container = await FindAsync(name, cancellationToken);
        if (container is null)
        {
            Log.Absent(_logger, name, "remove");
            return;
        }

        // A graceful stop first: force-removing alone is a SIGKILL.
        await StopContainerAsync(name, container, _options.StopTimeout, cancellationToken);
        await RemoveContainerAsync(name, container.ID, cancellationToken);
    }

    public async Task<InstanceState?> InspectAsync(string name, CancellationToken cancellationToken = default)
    {
        InstanceValidation.Name(name);
        var container = await FindAsync(name, cancellationToken);
        return container is null ? null : ToState(name, container);
    }

    public async Task<IReadOnlyList<string>> ReadOutputAsync(string name, int lines, CancellationToken cancellationToken = default)
    {
        InstanceValidation.Name(name);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(lines);
        var container = await FindAsync(name, cancellationToken);
        if (container is null)
        {
            return [];
        }

        var parameters = new ContainerLogsParameters { ShowStdout = true, ShowStderr = true, Tail = lines.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        using var stream = await _client.Containers.GetContainerLogsAsync(container.ID, container.Config?.Tty ?? false, parameters, cancellationToken);
        var (stdout, stderr) = await stream.ReadOutputToEndAsync(cancellationToken);
        return (stdout + stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(lines).ToList();
    }

    public void Dispose()
    {
        _client.Dispose();
        _configuration.Dispose();
    }

    private static void Validate(InstanceSpec spec)
    {
        InstanceValidation.Name(spec.Name);
        InstanceValidation.Required(spec.Image);
        InstanceValidation.EnvironmentVariables(spec.Environment);
        if (!spec.HostNetwork)
        {
            // Published ports only: with host networking the program listens where it is told by its arguments.
            if (spec.ContainerPort is { } containerPort && containerPort is not (> 0 and <= 65535))
            {
                throw new ArgumentException("A container port must be between 1 and 65535.", $"{nameof(spec)}.{nameof(spec.ContainerPort)}");
            }

            if (spec.Port is not (> 0 and <= 65535))
            {
                throw new ArgumentException("Without host networking a host port (1-65535) is required.", $"{nameof(spec)}.{nameof(spec.Port)}");
            }

            if (!IPAddress.TryParse(spec.Address, out _))
            {
                throw new ArgumentException($"'{spec.Address}' is not an IP address to publish on.", $"{nameof(spec)}.{nameof(spec.Address)}");
            }
        }
    }

    /// <summary>
    /// The container named exactly <paramref name="name"/>, or null. Docker resolves a reference as a full id, then a
    /// name, then an id prefix: a name like <c>c20e</c> with no such container would otherwise resolve to someone
    /// else's container, which Stop and Remove would then act on.
    /// </summary>
    private async Task<ContainerInspectResponse?> FindAsync(string name, CancellationToken cancellationToken)
    {
        var container = await InspectByIdAsync(name, name, cancellationToken);
        if (container is not null && !string.Equals(container.Name, "/" + name, StringComparison.Ordinal))
        {
            Log.NotOurName(_logger, name, container.ID, container.Name);
            return null;
        }

        return container;
    }

    private async Task<ContainerInspectResponse?> InspectByIdAsync(string name, string reference, CancellationToken cancellationToken)
    {
        try
        {
            return await _client.Containers.InspectContainerAsync(reference, cancellationToken);
        }
        catch (DockerContainerNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (IsEngineFailure(e, cancellationToken))
        {
            throw EngineFailure(name, "inspect", e);
        }
    }

    private async Task StopContainerAsync(string name, ContainerInspectResponse container, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (container.State is { Running: false, Restarting: false })
        {
            return;
        }

        // Docker's stop takes whole seconds; round up so a short timeout never becomes an immediate SIGKILL.
        var seconds = (uint)Math.Min(uint.MaxValue, Math.Ceiling(timeout.TotalSeconds));
        try
        {
            // False means 304: it had already stopped in the meantime.
            await _client.Containers.StopContainerAsync(container.ID, new ContainerStopParameters { WaitBeforeKillSeconds = seconds }, cancellationToken);
            Log.Stopped(_logger, name, container.ID, seconds);
        }
        catch (DockerContainerNotFoundException)
        {
            Log.Absent(_logger, name, "stop");
        }
        catch (Exception e) when (IsEngineFailure(e, cancellationToken))
        {
            throw EngineFailure(name, "stop", e);
        }
    }

    private async Task RemoveContainerAsync(string name, string id, CancellationToken cancellationToken)
    {
        try
        {
            await _client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, cancellationToken);
            Log.Removed(_logger, name, id);
        }
        catch (DockerContainerNotFoundException)
        {
            Log.Absent(_logger, name, "remove");
        }
        catch (Exception e) when (IsEngineFailure(e, cancellationToken))
        {
            throw EngineFailure(name, "remove", e);
        }
    }

    private static InstanceState ToState(string name, ContainerInspectResponse container)
    {
        var running = container.State?.Running ?? false;
        var startedAt = ParseDockerTime(container.State?.StartedAt);
        return new InstanceState(
            name,
            running,
            container.ID,
            startedAt,
            running || startedAt is null ? null : container.State?.ExitCode);
    }

    /// <summary>Docker reports "0001-01-01T00:00:00Z" for a container that never started.</summary>
    private static DateTimeOffset? ParseDockerTime(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
        && time.Year > 1
            ? time
            : null;

    /// <summary>
    /// Errors that mean "the engine refused or could not be reached". Docker.DotNet surfaces an absent unix socket or a
    /// refused TCP connection as raw socket or HTTP errors, and its request timeout as a cancellation nobody asked for.
    /// </summary>
    private static bool IsEngineFailure(Exception e, CancellationToken cancellationToken) => e switch
    {
        DockerApiException or HttpRequestException or SocketException or IOException or TimeoutException => true,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };

    private InstanceRuntimeException EngineFailure(string name, string operation, Exception e)
    {
        var reason = e is DockerApiException api
            ? $"{(int)api.StatusCode} {EngineMessage(api.ResponseBody)}"
            : e is OperationCanceledException ? "no answer within the client's request timeout" : e.Message;
        return new InstanceRuntimeException(name, $"Docker engine {_options.Endpoint} could not {operation} container '{name}': {reason}", e);
    }

    /// <summary>The engine answers errors as {"message": "..."}; keep the raw body when it is not that.</summary>
    private static string EngineMessage(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return "(no message)";
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("message", out var message)
                && message.ValueKind == JsonValueKind.String)
            {
                return message.GetString()!;
            }
        }
        catch (JsonException)
        {
        }

        return body.Trim();
    }
}
