// The emulator's control API (docs/emulator.md), same origin as this page.

export class ApiError extends Error {
  constructor(status, description, data = null) {
    super(description || `HTTP ${status}`);
    this.status = status;
    this.description = description;
    this.data = data; // the answer's body: the clinic's endpoints name the problem (code, values)
  }
}

async function call(method, path, body, { signal } = {}) {
  const init = { method, signal, headers: {} };
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(`/control${path}`, init);
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    throw new ApiError(response.status, (data && data.description) || response.statusText, data);
  }
  return data;
}

const query = (params) => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null) search.set(key, String(value));
  }
  return search.toString();
};

export const api = {
  sandbox: () => call('GET', '/sandbox'),
  users: () => call('GET', '/users'),
  createUser: (user) => call('POST', '/users', user),
  chats: () => call('GET', '/chats'),
  chat: (chatId) => call('GET', `/chats/${chatId}`),
  messages: (chatId) => call('GET', `/chats/${chatId}/messages`),
  events: (chatId, after, wait, signal) =>
    call('GET', `/chats/${chatId}/events?${query({ after, wait })}`, undefined, { signal }),
  send: (userId, text, { chatId, replyTo, threadId } = {}) =>
    call('POST', '/send', {
      user_id: userId, text, chat_id: chatId ?? null, reply_to_message_id: replyTo ?? null,
      message_thread_id: threadId ?? null,
    }),
  press: (userId, messageId, data, chatId) =>
    call('POST', '/press', { user_id: userId, message_id: messageId, data, chat_id: chatId ?? null }),
  contact: (userId, phoneNumber) => call('POST', '/contact', { user_id: userId, phone_number: phoneNumber }),
  upload: (userId, kind, file, caption, { chatId, threadId } = {}) => {
    const form = new FormData();
    form.set('user_id', String(userId));
    form.set('kind', kind);
    if (caption) form.set('caption', caption);
    if (chatId != null) form.set('chat_id', String(chatId));
    if (threadId != null) form.set('message_thread_id', String(threadId));
    form.set('file', file, file.name || (kind === 'photo' ? 'photo.jpg' : 'file'));
    return call('POST', '/upload', form);
  },
  pay: (userId, messageId, chatId) =>
    call('POST', '/pay', { user_id: userId, message_id: messageId, chat_id: chatId ?? null }),
  commands: (languageCode) => call('GET', `/commands?${query({ language_code: languageCode || undefined })}`),
  sms: (after, wait, signal) => call('GET', `/sms?${query({ after, wait })}`, undefined, { signal }),
  clinic: (day) => call('GET', `/clinic?${query({ day: day || undefined })}`),
  clinicAct: (action, body) => call('POST', `/clinic/${action}`, body),
};

// Resolves when the tab is visible: hidden tabs pause their long polls, so several open
// tabs do not use up the browser's six connections to this server.
export function whenVisible() {
  if (!document.hidden) return Promise.resolve();
  return new Promise((resolve) => {
    const onChange = () => {
      if (!document.hidden) {
        document.removeEventListener('visibilitychange', onChange);
        resolve();
      }
    };
    document.addEventListener('visibilitychange', onChange);
  });
}

// A long-poll loop over one chat's events (or the SMS outbox): calls onBatch with each
// non-empty answer and keeps going until stop(). Network errors back off and retry.
export function poll(fetchPage, after, onBatch, onState) {
  const controller = new AbortController();
  let stopped = false;
  let cursor = after;
  (async () => {
    let delay = 500;
    while (!stopped) {
      await whenVisible();
      if (stopped) break;
      try {
        const page = await fetchPage(cursor, controller.signal);
        if (stopped) break;
        onState?.(true);
        delay = 500;
        const items = page.events ?? page.messages ?? [];
        cursor = page.last_seq ?? cursor;
        if (items.length) await onBatch(items);
      } catch (error) {
        if (stopped || error.name === 'AbortError') break;
        if (error instanceof ApiError) {
          onState?.(true);
          if (error.status === 404) break; // the chat is gone (world reset): the page reloads it
        } else {
          onState?.(false, error); // the emulator is not reachable
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 5000);
      }
    }
  })();
  return {
    stop() {
      stopped = true;
      controller.abort();
    },
    get cursor() {
      return cursor;
    },
  };
}
