using System.Collections.Immutable;

namespace BlueGreen.Orleans.Deployments;

/// <summary>One deployment, persisted after every step: enough to resume it after a crash and to show it.</summary>
[GenerateSerializer, Immutable, Alias("bluegreen.DeploymentRecord")]
public sealed record DeploymentRecord
{
    [Id(0)] public required long Id { get; init; }

    [Id(1)] public required string Service { get; init; }

    [Id(2)] public required DeploymentKind Kind { get; init; }

    /// <summary>The colour live when the deployment started.</summary>
    [Id(3)] public required Colour From { get; init; }

    [Id(4)] public required Colour Target { get; init; }

    [Id(5)] public required string Version { get; init; }

    /// <summary>False when the target already runs this version (a warm rollback): no provisioning.</summary>
    [Id(6)] public bool ProvisionTarget { get; init; } = true;

    [Id(7)] public required ResolvedOptions Options { get; init; }

    [Id(8)] public DeploymentStep Step { get; init; }

    [Id(9)] public DeploymentOutcome Outcome { get; init; }

    [Id(10)] public string? Error { get; init; }

    [Id(11)] public DateTimeOffset CreatedAt { get; init; }

    [Id(12)] public DateTimeOffset StepStartedAt { get; init; }

    /// <summary>Absolute deadline of the current step (health, verify or drain), so a resumed step keeps its deadline.</summary>
    [Id(13)] public DateTimeOffset? StepDeadline { get; init; }

    [Id(14)] public DateTimeOffset? FinishedAt { get; init; }

    [Id(15)] public ImmutableList<ProxyProgress> Proxies { get; init; } = [];

    [Id(16)] public ImmutableList<DeploymentEvent> Events { get; init; } = [];

    /// <summary>Last proxy switched − first proxy switched.</summary>
    [Id(17)] public TimeSpan? SwitchSkew { get; init; }

    /// <summary>
    /// From the switch's fan-out starting to the last proxy confirming that HAProxy's runtime map routes to the target
    /// (<c>set map</c> answered; through an agent, its first ack): when every proxy's traffic had moved.
    /// </summary>
    [Id(18)] public TimeSpan? SwitchDuration { get; init; }

    /// <summary>
    /// From the same start to every proxy holding the route durably too (grain state and map file; through an agent, its
    /// state and map files: its final ack). The deployment goes on only after this.
    /// </summary>
    [Id(56)] public TimeSpan? SwitchSavedDuration { get; init; }

    [Id(19)] public bool AbortRequested { get; init; }

    /// <summary>What the deployment ends as once the revert or retire in progress is done.</summary>
    [Id(20)] public DeploymentOutcome PendingOutcome { get; init; } = DeploymentOutcome.Succeeded;

    /// <summary>5xx and response counters of the target backend per proxy when the verify window opened.</summary>
    [Id(21)] public ImmutableDictionary<string, long> VerifyBaseline5xx { get; init; } = ImmutableDictionary<string, long>.Empty;

    [Id(22)] public ImmutableDictionary<string, long> VerifyBaselineResponses { get; init; } = ImmutableDictionary<string, long>.Empty;

    /// <summary>
    /// Per proxy, when its baseline was taken: a worker started after it (a reload or restart) counts from zero, so its
    /// counters are compared with a zero baseline from the worker's start instead.
    /// </summary>
    [Id(28)] public ImmutableDictionary<string, DateTimeOffset> VerifyBaselineAt { get; init; } = ImmutableDictionary<string, DateTimeOffset>.Empty;

    /// <summary>Connection and response error counters (<c>econ</c> + <c>eresp</c>) of the target per proxy at its baseline.</summary>
    [Id(40)] public ImmutableDictionary<string, long> VerifyBaselineServerErrors { get; init; } = ImmutableDictionary<string, long>.Empty;

    /// <summary>The figures the verify step's analysis last saw, per proxy and for the fleet (proxy null).</summary>
    [Id(41)] public ImmutableList<AnalysisFigures> Analysis { get; init; } = [];

    /// <summary>The colour the Retire step stops: the old one after a success, the target after a rollback.</summary>
    [Id(23)] public Colour RetireColour { get; init; }

    /// <summary>True once the Retire step stopped <see cref="RetireColour"/>.</summary>
    [Id(24)] public bool Retired { get; init; }

    /// <summary>
    /// W3C <c>traceparent</c> of the deployment's root span, so a deployment resumed on another silo after a crash
    /// continues the same trace. Null when nothing listened to the trace when it started.
    /// </summary>
    [Id(25)] public string? TraceParent { get; init; }

    /// <summary>The token name that started the deployment (<see cref="Auditing.Actor"/>).</summary>
    [Id(26)] public string? RequestedBy { get; init; }

    /// <summary>The token name that asked to abort it, when somebody did.</summary>
    [Id(27)] public string? AbortRequestedBy { get; init; }

    /// <summary>When the deployment entered <see cref="DeploymentStep.Held"/> (release --hold).</summary>
    [Id(29)] public DateTimeOffset? HeldAt { get; init; }

    /// <summary>When a held deployment approves itself (release --auto-approve-after); absolute, so a resume keeps it.</summary>
    [Id(30)] public DateTimeOffset? AutoApproveAt { get; init; }

    /// <summary>Who approved the held deployment: a token name (<see cref="Auditing.Actor"/>), or <c>auto-approve</c>.</summary>
    [Id(31)] public string? ApprovedBy { get; init; }

    [Id(32)] public DateTimeOffset? ApprovedAt { get; init; }

    /// <summary>When the preview route (the target under its preview key on every proxy) was set; null once removed, or never set.</summary>
    [Id(33)] public DateTimeOffset? PreviewSetAt { get; init; }

    /// <summary>Stop in <see cref="DeploymentStep.Held"/> once the target is healthy (release --hold).</summary>
    /// <remarks>
    /// Here at the end of the record rather than in <see cref="ResolvedOptions"/>: Orleans numbers every field it writes as
    /// a reference id, so a field added before objects that the state references again later renumbers those references,
    /// and an older build's bytes would no longer be a subsequence of this build's (ServiceStateSerializationTests).
    /// </remarks>
    [Id(34)] public bool Hold { get; init; }

    /// <summary>With <see cref="Hold"/>: approved by itself this long after the hold began; null: only by a person.</summary>
    [Id(35)] public TimeSpan? AutoApproveAfter { get; init; }

    /// <summary>The preview is set and not yet removed.</summary>
    public bool PreviewSet => PreviewSetAt is not null;

    /// <summary>The version the live colour ran when the deployment started (null when unknown): hooks tell it.</summary>
    [Id(50)] public string? FromVersion { get; init; }

    /// <summary>
    /// A canary release's weights below 100, in order (release --canary); empty: no canary. After the last one, the switch.
    /// </summary>
    [Id(51)] public ImmutableList<int> Canary { get; init; } = [];

    /// <summary>How long each canary weight is held and analysed before the next.</summary>
    [Id(52)] public TimeSpan CanaryStepInterval { get; init; }

    /// <summary>The canary step under way (an index into <see cref="Canary"/>); its count once the last one was held.</summary>
    [Id(53)] public int CanaryIndex { get; init; }

    /// <summary>
    /// The weight last sent to the proxies (maybe set on some only); null when no split is set, or once it was removed
    /// from every proxy. While not null, the target may receive live traffic: it is removed before the target stops.
    /// </summary>
    [Id(54)] public int? CanaryWeight { get; init; }

    /// <summary>When <see cref="CanaryWeight"/> was confirmed set on every proxy (the step's analysis counts from then); null until then.</summary>
    [Id(55)] public DateTimeOffset? CanarySetAt { get; init; }

    /// <summary>A canary release.</summary>
    public bool IsCanary => Canary.Count > 0;

    public bool IsFinished => Outcome != DeploymentOutcome.Running;

    /// <summary>
    /// An HAProxy restart during the drain cut requests to the old colour on some proxy: whatever the outcome, the
    /// drain was not clean (<see cref="ProxyProgress.SessionsLost"/> says how many per proxy, when known).
    /// </summary>
    public bool DrainCut => Proxies.Any(p => p.SessionsCut);

    public override string ToString() => $"deployment {Id} ({Kind} of {Service} to {Target.Name()} {Version}, {Step}, {Outcome})";
}
