// Every call of the page: the token from session storage in the Authorization header (never in a URL), the API's
// one-line JSON error turned into an ApiError with the server's message.
const key = 'bluegreen.token';

export const session = {
  token: () => sessionStorage.getItem(key),
  signIn: (token) => sessionStorage.setItem(key, token),
  signOut: () => sessionStorage.removeItem(key),
};

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function headers(extra) {
  const token = session.token();
  if (!token) {
    throw new ApiError(401, 'Not signed in.');
  }
  return { Authorization: `Bearer ${token}`, ...extra };
}

async function failure(response) {
  const text = await response.text();
  let message = `HTTP ${response.status}`;
  try {
    message = JSON.parse(text).message || message;
  } catch {
    // Not the API's JSON (a proxy's page, say): the status says enough.
  }
  return new ApiError(response.status, message);
}

export async function call(method, path, body) {
  const init = { method, headers: headers(body === undefined ? {} : { 'Content-Type': 'application/json' }), cache: 'no-store' };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (!response.ok) {
    throw await failure(response);
  }
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

// Server-sent events read with fetch, not EventSource: EventSource cannot send the Authorization header, and the token
// must never go into the URL. Calls onEvent(kind, data) for each event; returns when the server ends the stream.
export async function watch(path, onEvent, signal) {
  const response = await fetch(path, { headers: headers({ Accept: 'text/event-stream' }), cache: 'no-store', signal });
  if (!response.ok) {
    throw await failure(response);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) {
      return;
    }
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let kind = 'message';
      const data = [];
      for (const line of frame.split('\n')) {
        if (line.startsWith('event: ')) {
          kind = line.slice(7);
        } else if (line.startsWith('data: ')) {
          data.push(line.slice(6));
        }
      }
      onEvent(kind, data.length > 0 ? JSON.parse(data.join('\n')) : null);
    }
  }
}
