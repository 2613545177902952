// The four pages. Each gets the page context (ctx: admin, confirm, say, go, signal, onLeave) and returns the nodes to
// show; admin actions are only rendered for an admin token (the server refuses them to a read token anyway).
import { call, watch } from './api.js';
import { colour, colourName, dateTime, duration, h, named, table, time, uptime } from './ui.js';

const steps = ['provision', 'await healthy', 'switch', 'verify', 'drain', 'retire', 'done'];
const stepName = (value) => named(value, 'DEPLOYMENT_STEP_');
const outcomeName = (value) => named(value, 'DEPLOYMENT_OUTCOME_');
const kindName = (value) => named(value, 'DEPLOYMENT_KIND_');
const link = (href, text, attributes) => h('a', { href, ...attributes }, text);
const servicePath = (name) => `/v1/services/${encodeURIComponent(name)}`;
const deploymentHref = (service, id) => `#/services/${encodeURIComponent(service)}/deployments/${id}`;

function describe(deployment) {
  const outcome = outcomeName(deployment.outcome);
  const what = `#${deployment.id} ${kindName(deployment.kind)}${deployment.version ? ` of version ${deployment.version}` : ''}`;
  return outcome === 'running'
    ? `${what}: running, step ${stepName(deployment.step)}${deployment.abortRequested ? ', abort requested' : ''}`
    : `${what}: ${outcome}`;
}

async function act(ctx, service, verb, body, question) {
  const answer = await ctx.confirm(question);
  if (!answer) {
    return;
  }
  const deployment = await call('POST', `${servicePath(service)}/${verb}`, verb === 'release' ? { version: answer.version } : body);
  ctx.say(`${verb[0].toUpperCase()}${verb.slice(1)} of ${service} accepted: deployment #${deployment.id}.`);
  ctx.go(deploymentHref(service, deployment.id));
}

function serviceActions(ctx, service) {
  const name = service.spec.name;
  const running = Boolean(service.activeDeployment);
  const button = (verb, text, question, danger) => h('button', {
    type: 'button',
    id: `${verb}-${name}`,
    class: danger ? 'danger' : undefined,
    'aria-label': `${text.replace('…', '')} ${name}`,
    onclick: () => ctx.guard(act(ctx, name, verb, {}, question)),
  }, text);
  return h('div', { class: 'actions' },
    running ? null : button('release', 'Release…', { title: `Release ${name}`, text: `Start a new version of ${name} on the colour that is not live, then switch every proxy to it.`, action: 'Release', askVersion: true }),
    running ? null : button('promote', 'Promote', { title: `Promote ${name}`, text: `Redeploy blue with the version live on green and switch back to blue.`, action: 'Promote' }),
    running ? null : button('rollback', 'Rollback', { title: `Roll back ${name}`, text: `Switch ${name} back to the colour that ran before.`, action: 'Roll back' }, true),
    running ? button('abort', 'Abort', { title: `Abort the deployment of ${name}`, text: `Abort deployment #${service.activeDeployment.id}: it stops at its next step and leaves the live colour as it was.`, action: 'Abort' }, true) : null);
}

export async function servicesPage(ctx) {
  const services = (await call('GET', '/v1/services'))?.services ?? [];
  const rows = services.map((service) => {
    const name = service.spec.name;
    const versions = Object.entries(service.versions ?? {}).sort().map(([c, v]) =>
      h('div', null, colour(c), ` version ${v}`, (service.running ?? []).map(colourName).includes(c) ? ', running' : ', stopped'));
    const warm = Object.entries(service.warmUntil ?? {}).map(([c, until]) => h('div', null, colour(c), ` warm until ${time(until)}`));
    const state = service.activeDeployment
      ? link(deploymentHref(name, service.activeDeployment.id), `deployment ${describe(service.activeDeployment)}`)
      : h('span', null, 'idle', service.lastDeployment ? ['; last: ', link(deploymentHref(name, service.lastDeployment.id), describe(service.lastDeployment))] : null);
    return h('tr', { 'data-service': name },
      h('th', { scope: 'row' }, link(`#/services/${encodeURIComponent(name)}/history`, name, { 'aria-label': `${name}: history` })),
      h('td', null, service.spec.routeKey),
      h('td', { class: 'live' }, colour(colourName(service.liveColour))),
      h('td', null, versions),
      h('td', null, warm.length > 0 ? warm : h('span', { class: 'muted' }, 'none')),
      h('td', null, (service.spec.proxies ?? []).join(', ')),
      h('td', { class: 'state' }, state),
      ctx.admin ? h('td', null, serviceActions(ctx, service)) : null);
  });
  const headings = ['Service', 'Route key', 'Live colour', 'Versions', 'Kept warm', 'Proxies', 'Deployment'];
  return [
    h('h1', null, 'Services'),
    services.length === 0 ? h('p', null, 'No services yet.') : table(ctx.admin ? [...headings, 'Actions'] : headings, rows, 'Services'),
  ];
}

function agent(proxy) {
  if (proxy.mode !== 'PROXY_MODE_AGENT') {
    return h('span', { class: 'muted' }, 'none (the server reaches HAProxy itself)');
  }
  return h('span', null,
    proxy.agentConnected ? 'connected' : h('span', { class: 'bad' }, 'not connected'),
    proxy.agentVersion ? `, version ${proxy.agentVersion}` : null,
    proxy.agentLastSeen ? `, last seen ${time(proxy.agentLastSeen)}` : null,
    `, holds routes version ${proxy.agentRoutesVersion ?? 0}`,
    proxy.agentSnapshotAge ? `, snapshot ${duration(proxy.agentSnapshotAge)} old` : null);
}

export async function proxiesPage() {
  const proxies = (await call('GET', '/v1/proxies'))?.proxies ?? [];
  const rows = proxies.map((proxy) => h('tr', { 'data-proxy': proxy.id },
    h('th', { scope: 'row' }, proxy.id),
    h('td', { class: 'reachable' }, proxy.reachable ? 'reachable' : h('span', { class: 'bad' }, 'unreachable'), proxy.lastError ? h('div', { class: 'muted' }, proxy.lastError) : null),
    h('td', null, named(proxy.mode, 'PROXY_MODE_')),
    h('td', null, agent(proxy)),
    h('td', { class: 'pid' }, proxy.pid ? String(proxy.pid) : ''),
    h('td', null, proxy.reachable ? uptime(proxy.uptimeSeconds) : ''),
    h('td', null, time(proxy.lastSeen)),
    h('td', { class: 'routes' }, Object.entries(proxy.routes ?? {}).sort().map(([key, backend]) => h('div', null, `${key} → ${backend}`))),
    h('td', null, proxy.registeredBy ?? '')));
  return [
    h('h1', null, 'Proxies'),
    proxies.length === 0
      ? h('p', null, 'No proxies registered.')
      : table(['Proxy', 'Reachable', 'Mode', 'Agent', 'PID', 'Uptime', 'Last seen', 'Routes', 'Registered by'], rows, 'Proxies'),
  ];
}

export async function historyPage(ctx, service) {
  const deployments = ((await call('GET', `${servicePath(service)}/deployments`))?.deployments ?? []).sort((a, b) => Number(b.id) - Number(a.id));
  const rows = deployments.map((d) => h('tr', null,
    h('th', { scope: 'row' }, link(deploymentHref(service, d.id), `#${d.id}`)),
    h('td', null, kindName(d.kind)),
    h('td', null, d.version ?? ''),
    h('td', null, colour(colourName(d.from)), ' → ', colour(colourName(d.target))),
    h('td', null, outcomeName(d.outcome), d.error ? h('div', { class: 'muted' }, d.error) : null),
    h('td', null, d.requestedBy ?? '', d.abortRequestedBy ? h('div', null, `abort asked by ${d.abortRequestedBy}`) : null),
    h('td', null, dateTime(d.createdAt)),
    h('td', null, dateTime(d.finishedAt))));
  return [
    h('h1', null, `History of ${service}`),
    rows.length === 0 ? h('p', null, 'No deployments yet.') : table(['Deployment', 'Kind', 'Version', 'Colours', 'Outcome', 'By', 'Started', 'Finished'], rows, 'Deployments'),
  ];
}

function stepStates(deployment, seen) {
  const current = stepName(deployment.step);
  const running = outcomeName(deployment.outcome) === 'running';
  // A held release and a canary have a step of their own, after await healthy.
  const own = [deployment.hold ? 'held' : null, deployment.canary?.length ? 'canary' : null].filter(Boolean);
  const base = [...steps.slice(0, 2), ...own, ...steps.slice(2)];
  const list = seen.has('revert') || current === 'revert' ? [...base.slice(0, -1), 'revert', 'done'] : base;
  return list.map((step) => {
    let state = 'pending';
    if (step === current) {
      state = running ? 'in progress' : 'done';
    } else if (seen.has(step)) {
      state = 'done';
    } else if (!running) {
      state = 'skipped';
    }
    return [step, state];
  });
}

/** A canary's plan and where it is: "10% → 50% → 100%, 30s each; now 10% (step 1 of 3)". */
function canaryText(deployment) {
  const weights = [...deployment.canary, 100].map((w) => `${w}%`).join(' → ');
  const each = deployment.canaryStepInterval ? `, ${deployment.canaryStepInterval} each` : '';
  const index = deployment.canaryIndex ?? 0;
  const now = outcomeName(deployment.outcome) === 'running' && stepName(deployment.step) === 'canary' && deployment.canaryWeight
    ? `; now ${deployment.canaryWeight}% (step ${index + 1} of ${deployment.canary.length + 1})`
    : '';
  return `${weights}${each}${now}`;
}

/** What approve does now: a held release with its preview live switches; a running canary goes to 100 %. Null: nothing to approve. */
function approvable(deployment) {
  if (outcomeName(deployment.outcome) !== 'running' || deployment.abortRequested || deployment.approvedBy) {
    return null;
  }
  const step = stepName(deployment.step);
  if (step === 'held' && deployment.previewLive) {
    return 'switch every proxy to the new colour and go on';
  }
  return step === 'canary' ? 'send all traffic to the new colour now (skip the rest of the canary) and go on' : null;
}

export function deploymentPage(ctx, service, id) {
  const summary = h('dl', { class: 'summary' });
  const status = h('p', { class: 'status', 'aria-live': 'polite' }, 'Connecting to the live updates…');
  const timeline = h('ol', { class: 'timeline', 'aria-label': 'Steps' });
  const proxies = h('tbody');
  const skew = h('p', { class: 'skew' });
  const events = h('ol', { class: 'events', role: 'log', 'aria-label': 'Events' });
  const actions = h('div', { class: 'actions' });
  const seen = new Set();

  const render = (deployment) => {
    const outcome = outcomeName(deployment.outcome);
    const item = (term, ...value) => [h('dt', null, term), h('dd', null, ...value)];
    summary.replaceChildren(
      ...item('Kind', kindName(deployment.kind), deployment.version ? ` of version ${deployment.version}` : ''),
      ...item('Colours', colour(colourName(deployment.from)), ' → ', colour(colourName(deployment.target))),
      ...item('Outcome', h('span', { class: 'outcome' }, outcome), deployment.error ? h('span', { class: 'bad' }, `: ${deployment.error}`) : null),
      ...item('Step', h('span', { class: 'step' }, stepName(deployment.step))),
      ...item('Requested by', deployment.requestedBy ?? ''),
      ...item('Started', dateTime(deployment.createdAt)),
      ...(deployment.finishedAt ? item('Finished', dateTime(deployment.finishedAt)) : []),
      ...(deployment.canary?.length ? item('Canary', h('span', { class: 'canary' }, canaryText(deployment))) : []),
      ...(deployment.hold ? item('Hold', deployment.previewLive ? 'held, preview live' : 'held for approval once healthy') : []),
      ...(deployment.approvedBy ? item('Approved by', `${deployment.approvedBy} at ${dateTime(deployment.approvedAt)}`) : []),
      ...(deployment.abortRequested ? item('Abort requested by', deployment.abortRequestedBy ?? '') : []));
    timeline.replaceChildren(...stepStates(deployment, seen).map(([step, state]) =>
      h('li', { class: state === 'in progress' ? 'current' : state, 'data-step': step }, `${step}: ${state}`)));
    proxies.replaceChildren(...(deployment.proxies ?? []).map((p) => h('tr', { 'data-proxy': p.proxyId },
      h('th', { scope: 'row' }, p.proxyId),
      h('td', { class: 'health' }, p.health || (p.healthy ? 'UP' : 'not read yet'), p.healthy ? ' (healthy)' : ''),
      h('td', { class: 'switched' }, p.switchedAt ? `switched at ${time(p.switchedAt)}` : 'not switched'),
      h('td', { class: 'sessions' }, p.sessionsLeft === undefined || p.sessionsLeft === null ? 'not read yet' : `${p.sessionsLeft} left`,
        p.oldWorkersUnseen ? ' (old workers unseen: waits for the drain deadline)' : ''),
      h('td', null, p.error ? h('span', { class: 'bad' }, p.error) : ''))));
    skew.textContent = deployment.switchSkew ? `Switch skew across proxies: ${duration(deployment.switchSkew)} (switch took ${duration(deployment.switchDuration)}).` : '';
    const approve = ctx.admin ? approvable(deployment) : null;
    actions.replaceChildren(
      approve
        ? h('button', { type: 'button', id: 'approve', onclick: () => ctx.guard(act(ctx, service, 'approve', {}, { title: `Approve deployment #${id}`, text: `Approve deployment #${id} of ${service}: ${approve}.`, action: 'Approve' })) }, 'Approve')
        : '',
      ctx.admin && outcome === 'running' && !deployment.abortRequested
        ? h('button', { type: 'button', class: 'danger', id: 'abort', onclick: () => ctx.guard(act(ctx, service, 'abort', {}, { title: `Abort deployment #${id}`, text: `Abort deployment #${id} of ${service}: it stops at its next step and leaves the live colour as it was.`, action: 'Abort' })) }, 'Abort deployment')
        : '');
  };

  const follow = async () => {
    try {
      await watch(`${servicePath(service)}/deployments/${id}/events`, (kind, data) => {
        if (kind === 'update') {
          for (const event of data.events ?? []) {
            seen.add(stepName(event.step));
            events.append(h('li', null, `${time(event.at)} ${stepName(event.step)}${event.proxyId ? ` ${event.proxyId}` : ''}: ${event.message}`));
          }
          render(data.deployment);
          status.textContent = outcomeName(data.deployment.outcome) === 'running' ? 'Live: updating as the deployment runs.' : `Finished: ${outcomeName(data.deployment.outcome)}.`;
        } else if (kind === 'error') {
          status.textContent = `The live updates stopped: ${data.message}`;
        } else if (kind === 'end') {
          status.textContent = status.textContent.startsWith('Finished') ? status.textContent : 'The deployment has ended.';
        }
      }, ctx.signal);
    } catch (error) {
      if (error.name !== 'AbortError') {
        status.textContent = `The live updates stopped: ${error.message}`;
        ctx.fail(error);
      }
    }
  };
  follow();

  return [
    h('h1', null, `Deployment #${id} of ${service}`),
    h('p', null, link(`#/services/${encodeURIComponent(service)}/history`, `History of ${service}`)),
    status,
    summary,
    actions,
    h('h2', null, 'Steps'),
    timeline,
    h('h2', null, 'Proxies'),
    h('table', { 'aria-label': 'Proxies of the deployment' },
      h('thead', null, h('tr', null, ['Proxy', 'Health of the new colour', 'Switched at', 'Sessions left on the old colour', 'Error'].map((t) => h('th', { scope: 'col' }, t)))),
      proxies),
    skew,
    h('h2', null, 'Events'),
    events,
  ];
}
