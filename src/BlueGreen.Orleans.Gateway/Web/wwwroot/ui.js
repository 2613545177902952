// DOM helpers: every value goes in as text (textContent), never as markup.
export function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (name.startsWith('on')) {
      element.addEventListener(name.slice(2), value);
    } else if (name === 'class') {
      element.className = value;
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) {
      continue;
    }
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function table(headings, rows, label) {
  return h('table', { 'aria-label': label },
    h('thead', null, h('tr', null, headings.map((heading) => h('th', { scope: 'col' }, heading)))),
    h('tbody', null, rows));
}

// Enum names as people read them: COLOUR_BLUE → blue, DEPLOYMENT_STEP_AWAIT_HEALTHY → await healthy.
export function named(value, prefix) {
  if (value === undefined || value === null || value === '' || String(value).endsWith('_UNSPECIFIED')) {
    return '';
  }
  return String(value).replace(prefix, '').toLowerCase().replaceAll('_', ' ');
}

export const colourName = (value) => named(value, 'COLOUR_');

// A colour always named in text; the swatch (CSS) only repeats it.
export function colour(name) {
  return name ? h('span', { class: `colour ${name}` }, name) : h('span', { class: 'muted' }, 'none');
}

export function time(value) {
  if (!value) {
    return '';
  }
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleTimeString('en-GB', { hour12: false }) + '.' + String(date.getMilliseconds()).padStart(3, '0');
}

export function dateTime(value) {
  if (!value) {
    return '';
  }
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

// Proto JSON durations are strings of seconds: "0.004s".
export function duration(value) {
  if (value === undefined || value === null || value === '') {
    return '';
  }
  const seconds = Number.parseFloat(String(value));
  if (Number.isNaN(seconds)) {
    return String(value);
  }
  return seconds < 1 ? `${Math.round(seconds * 1000)} ms` : `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
}

export function uptime(seconds) {
  const total = Number(seconds ?? 0);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  return hours > 0 ? `${hours} h ${minutes} min` : minutes > 0 ? `${minutes} min ${total % 60} s` : `${total} s`;
}
