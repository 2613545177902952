using System.Collections.Immutable;
using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Gateway.Validation;
using BlueGreen.Orleans.Proxies;
using BlueGreen.Orleans.Rules;
using BlueGreen.Orleans.Services;
using Google.Protobuf.WellKnownTypes;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Gateway.Mapping;

/// <summary>Proto messages to grain contracts and back, in small static methods.</summary>
internal static class ProtoMapper
{
    // Every enum switch names each value and throws on any other: a value added to a contract enum and not mapped here
    // fails loudly instead of reaching clients as some other value.
    public static V1.Colour ToProto(Colour colour) => colour switch
    {
        Colour.Blue => V1.Colour.Blue,
        Colour.Green => V1.Colour.Green,
        _ => throw Unmapped(colour),
    };

    public static V1.Proxy ToProto(ProxyStatus status)
    {
        var proxy = new V1.Proxy
        {
            Id = status.Id,
            RuntimeApi = status.Registration?.RuntimeApi ?? string.Empty,
            MapFile = status.Registration?.MapFile ?? string.Empty,
            MasterApi = status.Registration?.MasterApi ?? string.Empty,
            Reachable = status.Reachable,
            Pid = status.Pid ?? 0,
            UptimeSeconds = status.UptimeSeconds ?? 0,
            LastSeen = status.LastSeenAt is { } seen ? Timestamp.FromDateTimeOffset(seen) : null,
            LastError = status.LastError ?? string.Empty,
            Reconciliations = status.Reconciliations,
            RegisteredBy = status.Registered?.By ?? string.Empty,
            RegisteredAt = status.Registered is { } registered ? Timestamp.FromDateTimeOffset(registered.At) : null,
            BackendsReadAt = status.BackendsReadAt is { } read ? Timestamp.FromDateTimeOffset(read) : null,
            Mode = status.Registration?.Mode switch
            {
                null => V1.ProxyMode.Unspecified,
                ProxyMode.Direct => V1.ProxyMode.Direct,
                ProxyMode.Agent => V1.ProxyMode.Agent,
                { } mode => throw Unmapped(mode),
            },
        };
        if (status.Agent is { } agent)
        {
            proxy.AgentConnected = agent.Connected;
            proxy.AgentVersion = agent.AgentVersion ?? string.Empty;
            proxy.AgentLastSeen = agent.LastSeenAt is { } agentSeen ? Timestamp.FromDateTimeOffset(agentSeen) : null;
            proxy.AgentRoutesVersion = agent.HeldVersion ?? 0;
            proxy.AgentSnapshotAge = agent.SnapshotAge is { } age ? Duration.FromTimeSpan(age) : null;
        }

        proxy.Labels.Add(status.Registration?.Labels ?? ImmutableDictionary<string, string>.Empty);
        proxy.Routes.Add(status.Routes);
        foreach (var backend in status.Backends.Where(b => b.Reachable))
        {
            var pb = new V1.Backend { Name = backend.Backend };
            pb.Servers.AddRange(backend.Servers.Select(s => new V1.Server { Name = s.Server, Status = s.Status, CheckStatus = s.CheckStatus, Sessions = s.Sessions }));
            proxy.Backends.Add(pb);
        }

        return proxy;
    }

    /// <summary>An agent's hello as the proxy grain keeps it (limits checked by the caller).</summary>
    public static AgentHello ToContract(V1.AgentHello hello) => new()
    {
        AgentVersion = hello.AgentVersion,
        HeldVersion = hello.HeldVersion,
        Converged = hello.Converged,
        HaProxyPid = hello.HaproxyPid == 0 ? null : hello.HaproxyPid,
        HaProxyUptimeSeconds = hello.HaproxyPid == 0 ? null : hello.HaproxyUptimeSeconds,
        HaProxyVersion = hello.HaproxyVersion.Length == 0 ? null : hello.HaproxyVersion,
        AgentStartedAt = hello.AgentStartedAt?.ToDateTimeOffset(),
        Tick = hello.Tick is { } tick && tick.ToTimeSpan() > TimeSpan.Zero ? tick.ToTimeSpan() : null,
    };

    public static ProxyRegistration ToContract(V1.RegisterProxyRequest request) => new()
    {
        Mode = request.Agent ? ProxyMode.Agent : ProxyMode.Direct,
        RuntimeApi = request.RuntimeApi,
        MapFile = request.MapFile,
        MapFileWritePath = request.MapFileWritePath.Length == 0 ? null : request.MapFileWritePath,
        MasterApi = request.MasterApi.Length == 0 ? null : request.MasterApi,
        Labels = request.Labels.ToImmutableDictionary(),
    };

    public static ServiceSpec ToContract(V1.ServiceSpec? spec)
    {
        if (spec is null)
        {
            throw Fields.Invalid("spec", "is required");
        }

        var defaults = new ServiceSpec { Name = spec.Name, RouteKey = spec.RouteKey };
        return defaults with
        {
            Name = Fields.Service(spec.Name, "spec.name"),
            RouteKey = Fields.RouteKey(spec.RouteKey, "spec.route_key"),
            Proxies = spec.Proxies.Select(p => Fields.Proxy(p, "spec.proxies")).ToImmutableList(),
            Blue = ToContract(spec.Blue, "spec.blue"),
            Green = ToContract(spec.Green, "spec.green"),
            HealthTimeout = Fields.Duration(spec.HealthTimeout, "spec.health_timeout", FieldRules.HealthTimeout) ?? defaults.HealthTimeout,
            DrainTimeout = Fields.Duration(spec.DrainTimeout, "spec.drain_timeout", FieldRules.DrainTimeout) ?? defaults.DrainTimeout,
            KeepWarm = Fields.Duration(spec.KeepWarm, "spec.keep_warm", FieldRules.KeepWarm) ?? defaults.KeepWarm,
            VerifyWindow = Fields.Duration(spec.VerifyWindow, "spec.verify_window", FieldRules.VerifyWindow) ?? defaults.VerifyWindow,
            StopTimeout = Fields.Duration(spec.StopTimeout, "spec.stop_timeout", FieldRules.StopTimeout) ?? defaults.StopTimeout,
            MaxErrorRatio = spec.MaxErrorRatio == 0 ? defaults.MaxErrorRatio : spec.MaxErrorRatio,
            MaxResponseTime = Fields.Duration(spec.MaxResponseTime, "spec.max_response_time", FieldRules.MaxResponseTime) ?? defaults.MaxResponseTime,
            MaxServerErrorRatio = spec.MaxServerErrorRatio == 0 ? defaults.MaxServerErrorRatio : spec.MaxServerErrorRatio,
            LiveVersion = spec.LiveVersion.Length == 0 ? null : Fields.VersionTag(spec.LiveVersion, "spec.live_version"),
            Hooks = Fields.Hooks(spec.Hooks.Select(h => (h.Event, h.Url, (Duration?)h.Timeout, h.HasRetries ? h.Retries : (int?)null)).ToList(), "spec.hooks"),
            HookSecret = spec.HookSecret.Length == 0 ? null : Fields.HookSecret(spec.HookSecret, "spec.hook_secret"),
        };
    }

    private static ColourSpec ToContract(V1.ColourSpec? colour, string field)
    {
        if (colour is null)
        {
            throw Fields.Invalid(field, "is required");
        }

        return new ColourSpec
        {
            Runtime = colour.Runtime.Length == 0 ? "process" : colour.Runtime,
            Image = colour.Image.Length == 0 ? null : colour.Image,
            Command = colour.Command.Length == 0 ? null : colour.Command,
            Arguments = colour.Arguments.ToImmutableList(),
            Environment = colour.Environment.ToImmutableDictionary(),
            Instances = colour.Instances.Select(i => new InstanceSlot(Fields.Server(i.Server, $"{field}.instances.server"), i.Address, i.Port)).ToImmutableList(),
            DockerEndpoint = colour.DockerEndpoint.Length == 0 ? null : colour.DockerEndpoint,
            HostNetwork = colour.HostNetwork,
            ContainerPort = colour.HasContainerPort ? colour.ContainerPort : null,
        };
    }

    public static V1.ServiceSpec ToProto(ServiceSpec spec)
    {
        var pb = new V1.ServiceSpec
        {
            Name = spec.Name,
            RouteKey = spec.RouteKey,
            Blue = ToProto(spec.Blue),
            Green = ToProto(spec.Green),
            HealthTimeout = Duration.FromTimeSpan(spec.HealthTimeout),
            DrainTimeout = Duration.FromTimeSpan(spec.DrainTimeout),
            KeepWarm = Duration.FromTimeSpan(spec.KeepWarm),
            VerifyWindow = Duration.FromTimeSpan(spec.VerifyWindow),
            StopTimeout = Duration.FromTimeSpan(spec.StopTimeout),
            MaxErrorRatio = spec.MaxErrorRatio,
            MaxResponseTime = spec.MaxResponseTime > TimeSpan.Zero ? Duration.FromTimeSpan(spec.MaxResponseTime) : null,
            MaxServerErrorRatio = spec.MaxServerErrorRatio,
            LiveVersion = spec.LiveVersion ?? string.Empty,
            HookSecret = spec.HookSecret ?? string.Empty,
        };
        pb.Proxies.AddRange(spec.Proxies);
        pb.Hooks.AddRange(spec.Hooks.Select(h => new V1.Hook { Event = h.Event, Url = h.Url, Timeout = Duration.FromTimeSpan(h.Timeout), Retries = h.Retries }));
        return pb;
    }

    private static V1.ColourSpec ToProto(ColourSpec colour)
    {
        var pb = new V1.ColourSpec
        {
            Runtime = colour.Runtime,
            Image = colour.Image ?? string.Empty,
            Command = colour.Command ?? string.Empty,
            DockerEndpoint = colour.DockerEndpoint ?? string.Empty,
            HostNetwork = colour.HostNetwork,
        };
        if (colour.ContainerPort is { } containerPort)
        {
            pb.ContainerPort = containerPort;
        }

        pb.Arguments.AddRange(colour.Arguments);
        pb.Environment.Add(colour.Environment);
        pb.Instances.AddRange(colour.Instances.Select(i => new V1.InstanceSlot { Server = i.Server, Address = i.Address, Port = i.Port }));
        return pb;
    }

    public static V1.Service ToProto(ServiceInfo info)
    {
        var pb = new V1.Service
        {
            Spec = ToProto(info.Spec),
            LiveColour = ToProto(info.LiveColour),
            ActiveDeployment = info.ActiveDeployment is { } active ? ToProto(active) : null,
            LastDeployment = info.LastDeployment is { } last ? ToProto(last) : null,
            AppliedBy = info.Applied?.By ?? string.Empty,
            AppliedAt = info.Applied is { } applied ? Timestamp.FromDateTimeOffset(applied.At) : null,
        };
        pb.Versions.Add(info.Versions.ToDictionary(v => v.Key.Name(), v => v.Value));
        pb.Running.AddRange(info.Running.Select(ToProto));
        pb.WarmUntil.Add(info.WarmUntil.ToDictionary(w => w.Key.Name(), w => Timestamp.FromDateTimeOffset(w.Value)));
        pb.Maintenance = info.Maintenance is { } maintenance ? ToProto(maintenance) : null;
        pb.MaintenanceHistory.AddRange(info.MaintenanceHistory.Select(ToProto));
        return pb;
    }

    public static V1.MaintenanceChange ToProto(MaintenanceChange change) => new()
    {
        Enabled = change.On,
        Message = change.Message ?? string.Empty,
        By = change.Change.By,
        At = Timestamp.FromDateTimeOffset(change.Change.At),
    };

    public static V1.Instance ToProto(InstanceInfo instance)
    {
        var pb = new V1.Instance
        {
            Service = instance.Service,
            Colour = ToProto(instance.Colour),
            Version = instance.Version ?? string.Empty,
            Server = instance.Server,
            Name = instance.Name,
            Runtime = instance.Runtime,
            Id = instance.Id ?? string.Empty,
            State = instance.Running ? V1.InstanceState.Running : V1.InstanceState.Exited,
            StartedAt = instance.StartedAt is { } started ? Timestamp.FromDateTimeOffset(started) : null,
            Address = instance.Address,
            Port = instance.Port,
        };
        if (instance.ExitCode is { } code)
        {
            pb.ExitCode = code;
        }

        return pb;
    }

    public static DeploymentOptions ToContract(V1.DeploymentOptions? options) => options is null
        ? DeploymentOptions.Default
        : new DeploymentOptions
        {
            HealthTimeout = Fields.Duration(options.HealthTimeout, "options.health_timeout", FieldRules.HealthTimeout),
            DrainTimeout = Fields.Duration(options.DrainTimeout, "options.drain_timeout", FieldRules.DrainTimeout),
            KeepWarm = Fields.Duration(options.KeepWarm, "options.keep_warm", FieldRules.KeepWarm),
            VerifyWindow = Fields.Duration(options.VerifyWindow, "options.verify_window", FieldRules.VerifyWindow),
        };

    /// <summary>A release's options with its hold (release --hold [--auto-approve-after]); an auto-approve time needs a hold.</summary>
    public static DeploymentOptions ToContract(V1.ReleaseRequest request)
    {
        var options = ToContract(request.Options);
        var after = Fields.Duration(request.AutoApproveAfter, "auto_approve_after", FieldRules.AutoApproveAfter);
        if (after is not null && !request.Hold)
        {
            throw Fields.Invalid("auto_approve_after", "is only allowed with hold");
        }

        var interval = Fields.Duration(request.CanaryStepInterval, "canary_step_interval", DurationRule.Positive);
        if (request.Canary.Count == 0)
        {
            return interval is null
                ? options with { Hold = request.Hold, AutoApproveAfter = after }
                : throw Fields.Invalid("canary_step_interval", "is only allowed with canary");
        }

        if (request.Hold)
        {
            throw Fields.Invalid("canary", "is not allowed with hold (approve takes a canary to 100%)");
        }

        if (CanaryRules.Steps(request.Canary, out var problem) is null)
        {
            throw Fields.Invalid("canary", problem!);
        }

        if (interval is { } i && !CanaryRules.IsValidStepInterval(i))
        {
            throw Fields.Invalid("canary_step_interval", $"must be {CanaryRules.StepIntervalDescription}");
        }

        return options with { Canary = [.. request.Canary], CanaryStepInterval = interval };
    }

    /// <summary>A deployment; <paramref name="withEvents"/> false leaves the event log out (Watch sends it in parts).</summary>
    public static V1.Deployment ToProto(DeploymentRecord d, bool withEvents = true)
    {
        var pb = new V1.Deployment
        {
            Id = d.Id,
            Service = d.Service,
            Kind = ToProto(d.Kind),
            From = ToProto(d.From),
            Target = ToProto(d.Target),
            Version = d.Version,
            Step = ToProto(d.Step),
            Outcome = ToProto(d.Outcome),
            Error = d.Error ?? string.Empty,
            CreatedAt = Timestamp.FromDateTimeOffset(d.CreatedAt),
            FinishedAt = d.FinishedAt is { } finished ? Timestamp.FromDateTimeOffset(finished) : null,
            StepDeadline = d.StepDeadline is { } deadline ? Timestamp.FromDateTimeOffset(deadline) : null,
            SwitchSkew = d.SwitchSkew is { } skew ? Duration.FromTimeSpan(skew) : null,
            SwitchDuration = d.SwitchDuration is { } took ? Duration.FromTimeSpan(took) : null,
            SwitchSavedDuration = d.SwitchSavedDuration is { } saved ? Duration.FromTimeSpan(saved) : null,
            AbortRequested = d.AbortRequested,
            RequestedBy = d.RequestedBy ?? string.Empty,
            AbortRequestedBy = d.AbortRequestedBy ?? string.Empty,
            DrainCut = d.DrainCut,
            Hold = d.Hold,
            HeldAt = d.HeldAt is { } held ? Timestamp.FromDateTimeOffset(held) : null,
            AutoApproveAt = d.AutoApproveAt is { } auto ? Timestamp.FromDateTimeOffset(auto) : null,
            ApprovedBy = d.ApprovedBy ?? string.Empty,
            ApprovedAt = d.ApprovedAt is { } approved ? Timestamp.FromDateTimeOffset(approved) : null,
            PreviewLive = d.PreviewSet,
            CanaryStepInterval = d.IsCanary ? Duration.FromTimeSpan(d.CanaryStepInterval) : null,
            CanaryIndex = d.CanaryIndex,
            CanaryWeight = d.CanaryWeight ?? 0,
        };
        pb.Canary.AddRange(d.Canary);
        pb.Proxies.AddRange(d.Proxies.Select(ToProto));
        pb.Analysis.AddRange(d.Analysis.Select(ToProto));
        if (withEvents)
        {
            pb.Events.AddRange(d.Events.Select(ToProto));
        }

        return pb;
    }

    /// <summary>One analysis read; the times are set only once the window counted a response.</summary>
    public static V1.AnalysisFigures ToProto(AnalysisFigures f)
    {
        var pb = new V1.AnalysisFigures
        {
            ProxyId = f.ProxyId ?? string.Empty,
            At = Timestamp.FromDateTimeOffset(f.At),
            Responses = f.Responses,
            Http5Xx = f.Http5xx,
            ServerErrors = f.ServerErrors,
        };
        if (f.ResponseTimeMs is { } rtime)
        {
            pb.ResponseTimeMs = rtime;
        }

        if (f.TotalTimeMs is { } ttime)
        {
            pb.TotalTimeMs = ttime;
        }

        return pb;
    }

    /// <summary>One proxy's progress; the counts are set only when known (proto3 presence, no sentinel).</summary>
    public static V1.ProxyProgress ToProto(ProxyProgress p)
    {
        var pb = new V1.ProxyProgress
        {
            ProxyId = p.ProxyId,
            Health = p.Health,
            Healthy = p.Healthy,
            SwitchedAt = p.SwitchedAt is { } at ? Timestamp.FromDateTimeOffset(at) : null,
            Error = p.Error ?? string.Empty,
            OldWorkersUnseen = p.OldWorkersUnseen,
            RestartedAt = p.RestartedAt is { } restarted ? Timestamp.FromDateTimeOffset(restarted) : null,
        };
        if (p.SessionsLeft is { } left)
        {
            pb.SessionsLeft = left;
        }

        if (p.OldWorkerSessions is { } old)
        {
            pb.OldWorkerSessions = old;
        }

        if (p.RestartedAt is not null && p.SessionsLost is { } lost)
        {
            pb.SessionsLost = lost;
        }

        return pb;
    }

    public static V1.DeploymentEvent ToProto(DeploymentEvent e) => new()
    {
        Sequence = e.Sequence,
        At = Timestamp.FromDateTimeOffset(e.At),
        Step = ToProto(e.Step),
        ProxyId = e.ProxyId ?? string.Empty,
        Message = e.Message,
    };

    public static V1.DeploymentStep ToProto(DeploymentStep step) => step switch
    {
        DeploymentStep.Provision => V1.DeploymentStep.Provision,
        DeploymentStep.AwaitHealthy => V1.DeploymentStep.AwaitHealthy,
        DeploymentStep.Switch => V1.DeploymentStep.Switch,
        DeploymentStep.Verify => V1.DeploymentStep.Verify,
        DeploymentStep.Drain => V1.DeploymentStep.Drain,
        DeploymentStep.Retire => V1.DeploymentStep.Retire,
        DeploymentStep.Revert => V1.DeploymentStep.Revert,
        DeploymentStep.Done => V1.DeploymentStep.Done,
        DeploymentStep.Held => V1.DeploymentStep.Held,
        DeploymentStep.Canary => V1.DeploymentStep.Canary,
        _ => throw Unmapped(step),
    };

    public static V1.DeploymentKind ToProto(DeploymentKind kind) => kind switch
    {
        DeploymentKind.Release => V1.DeploymentKind.Release,
        DeploymentKind.Promote => V1.DeploymentKind.Promote,
        DeploymentKind.Rollback => V1.DeploymentKind.Rollback,
        _ => throw Unmapped(kind),
    };

    public static V1.DeploymentOutcome ToProto(DeploymentOutcome outcome) => outcome switch
    {
        DeploymentOutcome.Running => V1.DeploymentOutcome.Running,
        DeploymentOutcome.Succeeded => V1.DeploymentOutcome.Succeeded,
        DeploymentOutcome.RolledBack => V1.DeploymentOutcome.RolledBack,
        DeploymentOutcome.Failed => V1.DeploymentOutcome.Failed,
        DeploymentOutcome.Aborted => V1.DeploymentOutcome.Aborted,
        _ => throw Unmapped(outcome),
    };

    private static ArgumentOutOfRangeException Unmapped<T>(T value)
        where T : struct, System.Enum =>
        new(typeof(T).Name, value, $"{typeof(T).Name} {value} has no proto value: map it in ProtoMapper.");
}
