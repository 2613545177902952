// The web view's shell: sign-in with a pasted token (session storage, never a URL), which token it is (whoami: admin
// actions only for an admin token), hash routes, a confirmation dialog for every action, and a refresh of the lists.
import { ApiError, call, session } from './api.js';
import { deploymentPage, historyPage, proxiesPage, servicesPage } from './pages.js';

const $ = (id) => document.getElementById(id);
const refreshEvery = 2000;
let who = null;
let leave = new AbortController();
let timer = null;

function say(text, error) {
  const message = $('message');
  message.textContent = text;
  message.className = error ? 'error' : '';
}

function fail(error) {
  if (error instanceof ApiError && error.status === 401) {
    signOut(`The server refused the token: ${error.message}`);
    return;
  }
  say(error instanceof ApiError && error.status === 403 ? `Refused: ${error.message}` : `Failed: ${error.message}`, true);
}

function guard(promise) {
  promise.catch(fail);
}

function confirm({ title, text, action, askVersion }) {
  const dialog = $('confirm');
  const version = $('version');
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  $('confirm-yes').textContent = action;
  $('confirm-version').hidden = !askVersion;
  version.value = '';
  return new Promise((resolve) => {
    const done = (answer) => {
      $('confirm-yes').onclick = null;
      $('confirm-no').onclick = null;
      dialog.oncancel = null;
      dialog.close();
      resolve(answer);
    };
    $('confirm-yes').onclick = () => {
      if (askVersion && version.value.trim() === '') {
        version.focus();
        return;
      }
      done({ version: version.value.trim() });
    };
    $('confirm-no').onclick = () => done(null);
    dialog.oncancel = (event) => {
      event.preventDefault();
      done(null);
    };
    dialog.showModal();
    (askVersion ? version : $('confirm-no')).focus();
  });
}

function route() {
  const path = location.hash.replace(/^#/, '') || '/services';
  const name = '([a-z0-9-]{1,63})';
  let match;
  if (path === '/services') {
    return { render: servicesPage, refresh: true };
  }
  if (path === '/proxies') {
    return { render: proxiesPage, refresh: true };
  }
  if ((match = path.match(new RegExp(`^/services/${name}/history$`)))) {
    return { render: (ctx) => historyPage(ctx, match[1]), refresh: true };
  }
  if ((match = path.match(new RegExp(`^/services/${name}/deployments/([1-9][0-9]{0,17})$`)))) {
    return { render: (ctx) => deploymentPage(ctx, match[1], match[2]), refresh: false };
  }
  return { render: () => [document.createTextNode('No such page.')], refresh: false };
}

async function show(focus) {
  clearTimeout(timer);
  leave.abort();
  leave = new AbortController();
  const signal = leave.signal;
  const content = $('content');
  if (!who) {
    return;
  }
  const page = route();
  const ctx = {
    admin: who.role === 'TOKEN_ROLE_ADMIN',
    confirm,
    say,
    fail,
    guard,
    signal,
    go: (href) => {
      location.hash = href;
    },
  };
  const draw = async () => {
    // Keep the keyboard where it was across a refresh: focus returns to the element with the same id.
    const focused = document.activeElement?.id;
    try {
      const nodes = await page.render(ctx);
      if (signal.aborted) {
        return;
      }
      content.replaceChildren(...nodes);
      if (focused && $(focused)) {
        $(focused).focus();
      }
    } catch (error) {
      if (!signal.aborted) {
        fail(error);
      }
    }
    if (page.refresh && !signal.aborted) {
      timer = setTimeout(() => ($('confirm').open ? timer = setTimeout(draw, refreshEvery) : draw()), refreshEvery);
    }
  };
  await draw();
  if (focus) {
    $('view').focus();
  }
}

function signOut(reason) {
  session.signOut();
  who = null;
  leave.abort();
  clearTimeout(timer);
  $('content').replaceChildren();
  $('who').textContent = '';
  $('sign-out').hidden = true;
  $('sign-in').hidden = false;
  say(reason ?? '', Boolean(reason));
  $('token').focus();
}

async function signIn() {
  try {
    who = await call('GET', '/v1/whoami');
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      signOut(`The server refused this token: ${error.message}`);
    } else {
      who = null;
      say(`Could not reach the server: ${error.message}`, true);
    }
    return;
  }
  $('sign-in').hidden = true;
  $('sign-out').hidden = false;
  $('who').textContent = who.role === 'TOKEN_ROLE_ADMIN'
    ? `Signed in as ${who.name} (admin: may release, promote, roll back, approve and abort)`
    : `Signed in as ${who.name} (read only)`;
  say('');
  await show(true);
}

$('sign-in-button').addEventListener('click', () => {
  const token = $('token').value.trim();
  $('token').value = '';
  if (token === '') {
    say('Paste a token first.', true);
    return;
  }
  session.signIn(token);
  signIn();
});
$('token').addEventListener('keydown', (event) => {
  if (event.key === 'Enter') {
    $('sign-in-button').click();
  }
});
$('sign-out').addEventListener('click', () => signOut());
window.addEventListener('hashchange', () => show(true));

if (session.token()) {
  signIn();
} else {
  signOut();
}
