// Rendering helpers: Telegram text + entities to DOM (never innerHTML), money, times.

import { label, locale, timeZone } from './i18n.js';

const SAFE_LINK = /^(https?:|mailto:)/i;

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function safeHref(url) {
  if (typeof url !== 'string') return null;
  const trimmed = url.trim();
  return SAFE_LINK.test(trimmed) ? trimmed : null;
}

function link(href, title) {
  return el('a', { href, target: '_blank', rel: 'noopener noreferrer', title });
}

// The element for one entity: {outer, inner}; children go into inner.
function entityElement(entity, text) {
  const slice = text.slice(entity.offset, entity.end);
  switch (entity.type) {
    case 'bold':
      return el('strong');
    case 'italic':
      return el('em');
    case 'underline':
      return el('u');
    case 'strikethrough':
      return el('s');
    case 'code':
      return el('code', { class: 'inline-code' });
    case 'pre': {
      const code = el('code', { dataset: entity.language ? { language: entity.language } : undefined });
      const pre = el('pre', {}, code);
      return { outer: pre, inner: code };
    }
    case 'text_link': {
      const href = safeHref(entity.url);
      return href ? link(href, entity.url) : el('span', { class: 'link-unsafe', title: String(entity.url ?? '') });
    }
    case 'url': {
      const href = safeHref(/^[a-z][a-z0-9+.-]*:/i.test(slice) ? slice : `https://${slice}`);
      return href ? link(href) : el('span');
    }
    case 'email':
      return link(`mailto:${slice}`);
    case 'spoiler': {
      const span = el('span', { class: 'spoiler', tabindex: '0', role: 'button', 'aria-label': 'Spoiler: press to reveal' });
      const reveal = () => {
        span.classList.add('revealed');
        span.removeAttribute('role');
        span.removeAttribute('tabindex');
        span.removeAttribute('aria-label');
      };
      span.addEventListener('click', reveal);
      span.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' || event.key === ' ') reveal();
      });
      return span;
    }
    case 'blockquote':
      return el('blockquote');
    case 'expandable_blockquote': {
      const quote = el('blockquote', { class: 'expandable collapsed', tabindex: '0', title: 'Press to expand' });
      quote.addEventListener('click', () => quote.classList.remove('collapsed'));
      return quote;
    }
    case 'mention':
    case 'hashtag':
    case 'cashtag':
    case 'bot_command':
    case 'phone_number':
    case 'text_mention':
      return el('span', { class: `ent-${entity.type.replace('_', '-')}` });
    default:
      return el('span');
  }
}

function build(parent, text, start, end, entities) {
  let position = start;
  let index = 0;
  while (index < entities.length) {
    const entity = entities[index];
    const children = [];
    let next = index + 1;
    while (next < entities.length && entities[next].offset < entity.end) {
      const child = entities[next];
      children.push({ ...child, end: Math.min(child.end, entity.end) });
      next += 1;
    }
    if (entity.offset > position) parent.append(text.slice(position, entity.offset));
    const made = entityElement(entity, text);
    const outer = made.outer ?? made;
    const inner = made.inner ?? made;
    build(inner, text, Math.max(entity.offset, position), entity.end, children);
    parent.append(outer);
    position = Math.max(position, entity.end);
    index = next;
  }
  if (position < end) parent.append(text.slice(position, end));
}

// Web addresses written as plain text become links, as in Telegram's apps.
const PLAIN_URL = /\b(?:https?:\/\/|www\.)[^\s<>«»"]*[^\s<>«»".,;:!?)\]]/gi;
const NO_LINK_INSIDE = new Set(['url', 'text_link', 'email', 'code', 'pre']);

function plainUrls(text, entities) {
  const found = [];
  for (const match of text.matchAll(PLAIN_URL)) {
    const offset = match.index;
    const end = offset + match[0].length;
    const covered = entities.some((e) => NO_LINK_INSIDE.has(e.type) && e.offset < end && offset < e.end);
    if (!covered) found.push({ type: 'url', offset, length: match[0].length, end });
  }
  return found;
}

// Text with Telegram entities (offsets in UTF-16 code units, as JavaScript strings count).
export function renderText(text, entities) {
  const fragment = document.createDocumentFragment();
  if (!text) return fragment;
  const given = (Array.isArray(entities) ? entities : [])
    .filter((e) => e && Number.isInteger(e.offset) && Number.isInteger(e.length) && e.length > 0)
    .map((e) => ({ ...e, end: Math.min(e.offset + e.length, text.length) }))
    .filter((e) => e.offset >= 0 && e.offset < text.length);
  const list = [...given, ...plainUrls(text, given)].sort((a, b) => a.offset - b.offset || b.end - a.end);
  build(fragment, text, 0, text.length, list);
  return fragment;
}

// Minor units per currency (Telegram's currencies.json: most have 2).
const EXPONENTS = { BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0, XTR: 0 };

export function money(amount, currency) {
  if (currency === 'XTR') return `⭐ ${amount}`;
  const exponent = EXPONENTS[currency] ?? 2;
  const value = amount / 10 ** exponent;
  try {
    return new Intl.NumberFormat(undefined, {
      style: 'currency',
      currency,
      // The new som sign (U+20C0) is missing from most fonts: show KGS as a code.
      currencyDisplay: currency === 'KGS' ? 'code' : 'narrowSymbol',
      minimumFractionDigits: exponent,
      maximumFractionDigits: exponent,
    }).format(value);
  } catch {
    return `${value.toFixed(exponent)} ${currency}`;
  }
}

// Times in the chosen user's country time (see i18n.js), as the bot writes them.
export function clock(unixSeconds) {
  const date = new Date(unixSeconds * 1000);
  return date.toLocaleTimeString(locale(), { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: timeZone() });
}

export function dayLabel(unixSeconds) {
  if (dayKey(unixSeconds) === dayKey(Date.now() / 1000)) return label('today');
  return new Date(unixSeconds * 1000).toLocaleDateString(locale(), { day: 'numeric', month: 'long', year: 'numeric', timeZone: timeZone() });
}

export function dayKey(unixSeconds) {
  return new Date(unixSeconds * 1000).toLocaleDateString('en-CA', { timeZone: timeZone() });
}

export function fileSize(bytes) {
  if (!Number.isFinite(bytes)) return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function initials(name) {
  const parts = String(name || '?').trim().split(/\s+/).filter(Boolean);
  return (parts[0]?.[0] ?? '?').toUpperCase() + (parts[1]?.[0] ?? '').toUpperCase();
}

const AVATAR_COLORS = 8;
export function avatarColor(id) {
  return `c${Math.abs(Number(id) || 0) % AVATAR_COLORS}`;
}
