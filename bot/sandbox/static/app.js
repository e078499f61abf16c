// The Qamqor sandbox page: simulated Telegram users chatting with the real bot through
// the local Bot API emulator, plus the staff chat, the SMS outbox and the clinic. See docs/sandbox.md.

import { api, poll } from './api.js';
import { ChatView } from './chatview.js';
import { ClinicPane } from './clinic.js';
import { setLanguage } from './i18n.js';
import { avatarColor, clock, el, initials } from './format.js';

const WAIT = 25; // seconds per long poll
const REFRESH_MS = 3000; // user list and unread marks
const STORE = {
  user: 'qamqor-sandbox:user',
  tab: 'qamqor-sandbox:tab',
  smsAll: 'qamqor-sandbox:sms-all',
};
const WIDE = window.matchMedia('(min-width: 1100px)');
const MEDIUM = window.matchMedia('(min-width: 720px)');
const CODE = /(?<![\d])\d{4,8}(?![\d])/;

const $ = (id) => document.getElementById(id);

const state = {
  sandbox: null, // {staff_chat_id, staff_chat, operator, bot}
  users: [], // every emulator user
  chats: new Map(), // chat id -> control chat (last_seq, reply_keyboard)
  seen: new Map(), // chat id -> last seq the page has shown
  current: null, // the user whose chat is open
  chatPoll: null,
  staffPoll: null,
  smsPoll: null,
  keyboard: null, // the reply keyboard of the open chat
  keyboardHidden: new Map(), // chat id -> hidden after a one-time keyboard was used
  replyTo: null,
  staffReplyTo: null,
  staffTopic: null, // message_thread_id of the open forum topic; null: General
  staffTopicChosen: false, // until the operator picks a tab, the newest topic is shown
  sms: [],
  smsSeen: 0,
  staffUnread: 0,
  listSignature: '',
  connected: null,
};

// Small UI helpers

function toast(text, kind = 'info') {
  const node = el('div', { class: `toast ${kind}`, role: kind === 'error' ? 'alert' : 'status', text });
  $('toasts').append(node);
  setTimeout(() => node.classList.add('leaving'), 3600);
  setTimeout(() => node.remove(), 4000);
}

function showError(error) {
  toast(error?.description || error?.message || String(error), 'error');
}

function alertBox(text) {
  $('alert-text').textContent = text;
  const dialog = $('alert-dialog');
  if (typeof dialog.showModal === 'function') dialog.showModal();
  else toast(text);
}

function setConnected(ok) {
  if (state.connected === ok) return;
  state.connected = ok;
  const node = $('conn-state');
  node.textContent = ok ? `Emulator: ${window.location.host}` : 'Emulator unreachable, retrying…';
  node.classList.toggle('bad', !ok);
}

function autoGrow(textarea) {
  textarea.style.height = 'auto';
  textarea.style.height = `${Math.min(textarea.scrollHeight, 160)}px`;
}

function userById(id) {
  return state.users.find((user) => user.id === id) || null;
}

function nameOf(userId) {
  if (state.sandbox?.bot && userId === state.sandbox.bot.id) return state.sandbox.bot.first_name;
  const user = userById(userId);
  if (!user) return `User ${userId}`;
  return [user.first_name, user.last_name].filter(Boolean).join(' ');
}

function isOperator(user) {
  return Boolean(state.sandbox?.operator && user.id === state.sandbox.operator.id);
}

function compactPhone(value) {
  return String(value || '').replace(/[\s()\-.]/g, '');
}

function randomDigits(count) {
  let out = '';
  for (let i = 0; i < count; i += 1) out += Math.floor(Math.random() * 10);
  return out;
}

// A plausible mobile number for the language: Kyrgyzstan (+996) for ky, Kazakhstan (+7) otherwise.
function suggestPhone(language) {
  if (language === 'ky') {
    const prefix = ['700', '555', '770', '990'][Math.floor(Math.random() * 4)];
    return `+996 ${prefix} ${randomDigits(6)}`;
  }
  const prefix = ['701', '702', '705', '707', '747', '777'][Math.floor(Math.random() * 6)];
  const rest = randomDigits(7);
  return `+7 ${prefix} ${rest.slice(0, 3)} ${rest.slice(3, 5)} ${rest.slice(5)}`;
}

// The number shared by "share my phone": the one typed at creation, else one derived from the id.
function phoneOf(user) {
  if (user.phone_number) return user.phone_number;
  const id = String(user.id);
  return user.language_code === 'ky' ? `+996700${id.slice(-6)}` : `+7701${id.slice(-7)}`;
}

// Layout: drawers at narrow widths, tabs in the side panel

function sideVisible(tab) {
  const app = $('app');
  const open = WIDE.matches || app.dataset.sideOpen === 'true';
  return open && (!tab || currentTab() === tab);
}

const TABS = ['staff', 'sms', 'clinic'];

function currentTab() {
  return TABS.find((tab) => $(`tab-${tab}`).getAttribute('aria-selected') === 'true') || 'staff';
}

function selectTab(tab) {
  const chosen = TABS.includes(tab) ? tab : 'staff';
  for (const name of TABS) {
    $(`tab-${name}`).setAttribute('aria-selected', String(name === chosen));
    $(`panel-${name}`).hidden = name !== chosen;
  }
  localStorage.setItem(STORE.tab, chosen);
  updateBadges();
  if (chosen === 'staff') state.staffView?.scrollToBottom();
  if (chosen === 'clinic') state.clinic?.refresh(true);
}

function setDrawer(which, open) {
  const app = $('app');
  if (which === 'users') {
    app.dataset.usersOpen = String(open);
    $('open-users').setAttribute('aria-expanded', String(open));
    if (open) app.dataset.sideOpen = 'false';
  } else {
    app.dataset.sideOpen = String(open);
    if (open) app.dataset.usersOpen = 'false';
  }
  const narrowUsers = !MEDIUM.matches && app.dataset.usersOpen === 'true';
  const narrowSide = !WIDE.matches && app.dataset.sideOpen === 'true';
  $('scrim').hidden = !(narrowUsers || narrowSide);
  updateBadges();
}

function openSide(tab) {
  selectTab(tab);
  if (!WIDE.matches) setDrawer('side', true);
}

function badge(node, count) {
  node.hidden = !count;
  node.textContent = count > 99 ? '99+' : String(count || '');
}

function relevantSms() {
  const showAll = $('sms-all').checked;
  const current = state.current;
  return state.sms.filter((sms) => {
    if (showAll || !current) return true;
    if (sms.user_id != null) return sms.user_id === current.id;
    return true;
  });
}

function updateBadges() {
  if (sideVisible('staff')) state.staffUnread = 0;
  if (sideVisible('sms')) state.smsSeen = state.sms.length ? state.sms[state.sms.length - 1].seq : state.smsSeen;
  const smsUnread = relevantSms().filter((sms) => sms.seq > state.smsSeen).length;
  badge($('staff-badge'), state.staffUnread);
  badge($('staff-badge-head'), state.staffUnread);
  badge($('sms-badge'), smsUnread);
  badge($('sms-badge-head'), smsUnread);
}

// Users

function renderUsers() {
  const clients = state.users.filter((user) => !isOperator(user));
  const signature = JSON.stringify([
    clients,
    state.current?.id,
    clients.map((user) => (state.chats.get(user.id)?.last_seq ?? 0) > (state.seen.get(user.id) ?? 0)),
  ]);
  if (signature === state.listSignature) return;
  state.listSignature = signature;
  const list = $('user-list');
  list.replaceChildren();
  let anyUnread = false;
  for (const user of clients) {
    const unread = user.id !== state.current?.id && (state.chats.get(user.id)?.last_seq ?? 0) > (state.seen.get(user.id) ?? 0);
    anyUnread ||= unread;
    const item = el(
      'button',
      {
        type: 'button',
        class: 'user',
        dataset: { userId: String(user.id) },
        'aria-current': user.id === state.current?.id ? 'true' : undefined,
        onclick: () => {
          selectUser(user.id);
          if (!MEDIUM.matches) setDrawer('users', false);
        },
      },
      el('span', { class: `avatar ${avatarColor(user.id)}`, 'aria-hidden': 'true', text: initials(nameOf(user.id)) }),
      el(
        'span',
        { class: 'user-text' },
        el('span', { class: 'user-name', text: nameOf(user.id) }),
        el('span', { class: 'user-sub', text: `${user.language_code || 'no language'} · ${phoneOf(user)}${user.blocked ? ' · blocked the bot' : ''}` }),
      ),
      unread ? el('span', { class: 'dot', 'aria-label': 'new messages' }) : null,
    );
    list.append(item);
  }
  $('users-empty').hidden = clients.length > 0;
  $('users-dot').hidden = !anyUnread;
}

async function refreshWorld() {
  try {
    const [users, chats] = await Promise.all([api.users(), api.chats()]);
    setConnected(true);
    state.users = users;
    state.chats = new Map(chats.map((chat) => [chat.id, chat]));
    for (const chat of chats) if (!state.seen.has(chat.id)) state.seen.set(chat.id, chat.last_seq);
    if (state.current) {
      const fresh = userById(state.current.id);
      if (!fresh) {
        // The world was reset: the user is gone.
        state.current = null;
        await chooseInitialUser();
      } else {
        state.current = fresh;
        renderActing();
      }
    } else if (users.some((user) => !isOperator(user))) {
      await chooseInitialUser();
    }
    // The staff chat appeared (created after the page opened) or went away (a reset).
    const sandbox = state.sandbox;
    if (sandbox) {
      const shown = sandbox.staff_chat ? sandbox.staff_chat_id : null;
      const wanted = sandbox.staff_chat_id;
      const appeared = wanted != null ? state.chats.has(wanted) : chats.some((chat) => chat.type !== 'private');
      if (shown != null ? !state.chats.has(shown) : appeared) await loadSandbox();
    }
    renderUsers();
    updateEmptyState();
  } catch (error) {
    setConnected(false);
  }
}

async function chooseInitialUser() {
  const clients = state.users.filter((user) => !isOperator(user));
  const stored = Number(localStorage.getItem(STORE.user));
  const pick = clients.find((user) => user.id === stored) || clients[0];
  if (pick) await selectUser(pick.id);
  else {
    closeChat();
    updateEmptyState();
  }
}

function renderActing() {
  const user = state.current;
  setLanguage(user?.language_code);
  state.clinic?.relabel();
  $('chat-sub').textContent = user ? `bot · you are ${nameOf(user.id)} (${user.language_code || 'no language'})` : 'bot';
}

function closeChat() {
  state.chatPoll?.stop();
  state.chatPoll = null;
  state.chatView.clear();
  state.keyboard = null;
  renderKeyboard();
  setReplyTo(null);
  renderActing();
}

async function selectUser(userId) {
  const user = userById(userId);
  if (!user) return;
  if (state.current?.id === userId && state.chatPoll) return;
  closeChat();
  state.current = user;
  localStorage.setItem(STORE.user, String(userId));
  renderActing();
  renderUsers();
  renderSms();
  const token = Symbol('open');
  state.opening = token;
  try {
    const chat = await api.chat(userId);
    const messages = await api.messages(userId);
    if (state.opening !== token) return;
    state.chatView.load(messages);
    state.keyboard = chat.reply_keyboard;
    renderKeyboard();
    state.seen.set(userId, chat.last_seq);
    state.chatPoll = poll(
      (after, signal) => api.events(userId, after, WAIT, signal),
      chat.last_seq,
      (events) => onChatEvents(userId, events),
      setConnected,
    );
  } catch (error) {
    showError(error);
  }
  renderUsers();
  updateEmptyState();
}

function updateEmptyState() {
  const hasClients = state.users.some((user) => !isOperator(user));
  $('no-user').hidden = Boolean(state.current) || hasClients;
  $('empty-chat').hidden = !state.current || state.chatView.size > 0;
  const disabled = !state.current;
  for (const id of ['text-input', 'send-btn', 'attach-btn', 'commands-btn']) $(id).disabled = disabled;
}

function onChatEvents(userId, events) {
  if (state.current?.id !== userId) return;
  state.chatView.apply(events);
  for (const event of events) {
    state.seen.set(userId, Math.max(state.seen.get(userId) ?? 0, event.seq));
    const markup = event.message?.reply_markup;
    if (event.type === 'bot_message' && markup) {
      if (Array.isArray(markup.keyboard)) {
        state.keyboard = markup;
        state.keyboardHidden.delete(userId);
        renderKeyboard();
      } else if (markup.remove_keyboard) {
        state.keyboard = null;
        renderKeyboard();
      } else if (markup.force_reply) {
        setReplyTo(event.message);
        if (markup.input_field_placeholder) $('text-input').placeholder = markup.input_field_placeholder;
      }
    }
    if (event.type === 'callback_answer' && event.text) {
      if (event.show_alert) alertBox(event.text);
      else toast(event.text);
    }
  }
  updateEmptyState();
}

// The reply keyboard (ReplyKeyboardMarkup) above the input

function renderKeyboard() {
  const area = $('reply-keyboard');
  const toggle = $('keyboard-toggle');
  const markup = state.keyboard;
  const chatId = state.current?.id;
  area.replaceChildren();
  const input = $('text-input');
  input.placeholder = markup?.input_field_placeholder || 'Message';
  if (!markup) {
    area.hidden = true;
    toggle.hidden = true;
    return;
  }
  const hidden = state.keyboardHidden.get(chatId) === true;
  toggle.hidden = false;
  toggle.setAttribute('aria-pressed', String(!hidden));
  toggle.setAttribute('aria-label', hidden ? 'Show the bot keyboard' : 'Hide the bot keyboard');
  area.hidden = hidden;
  area.classList.toggle('resized', Boolean(markup.resize_keyboard));
  for (const buttons of markup.keyboard) {
    const row = el('div', { class: 'kb-row' });
    for (const raw of buttons) {
      const button = typeof raw === 'string' ? { text: raw } : raw;
      row.append(replyButton(button, markup));
    }
    area.append(row);
  }
}

function replyButton(button, markup) {
  const unsupported = button.request_location || button.request_users || button.request_chat || button.request_poll || button.web_app;
  if (unsupported) {
    return el('button', { type: 'button', class: 'rk-btn', disabled: true, title: 'This kind of button is not available in the sandbox', text: button.text });
  }
  const contact = Boolean(button.request_contact);
  return el(
    'button',
    {
      type: 'button',
      class: `rk-btn${contact ? ' contact' : ''}`,
      title: contact && state.current ? `Shares your phone number ${phoneOf(state.current)}` : undefined,
      dataset: contact ? { requestContact: 'true' } : undefined,
      onclick: async () => {
        const user = state.current;
        if (!user) return;
        try {
          if (contact) await api.contact(user.id, compactPhone(phoneOf(user)));
          else await api.send(user.id, button.text);
          if (markup.one_time_keyboard) {
            state.keyboardHidden.set(user.id, true);
            renderKeyboard();
          }
        } catch (error) {
          showError(error);
        }
      },
    },
    button.text,
  );
}

// Replying to a message (any chat) and sending

function setReplyTo(message, target = 'client') {
  const staff = target === 'staff';
  const box = $(staff ? 'staff-reply-target' : 'reply-target');
  if (staff) state.staffReplyTo = message;
  else state.replyTo = message;
  box.replaceChildren();
  box.hidden = !message;
  if (!message) return;
  const view = staff ? state.staffView : state.chatView;
  box.append(
    el('span', { class: 'rt-bar', 'aria-hidden': 'true' }),
    el(
      'button',
      { type: 'button', class: 'rt-body', onclick: () => view.highlight(message.message_id), title: 'Show the message' },
      el('span', { class: 'rt-name', text: `Reply to ${nameOf(message.from_user_id)}` }),
      el('span', { class: 'rt-text', text: (message.text || message.caption || '').split('\n')[0] || 'Message' }),
    ),
    el('button', { type: 'button', class: 'icon-btn rt-cancel', 'aria-label': 'Cancel the reply', text: '✕', onclick: () => setReplyTo(null, target) }),
  );
  $(staff ? 'staff-input' : 'text-input').focus();
}

async function sendText(text) {
  const user = state.current;
  if (!user || !text.trim()) return false;
  try {
    await api.send(user.id, text, { replyTo: state.replyTo?.message_id });
    setReplyTo(null);
    if (state.keyboard?.one_time_keyboard && state.keyboard.keyboard.flat().some((b) => (b.text ?? b) === text)) {
      state.keyboardHidden.set(user.id, true);
      renderKeyboard();
    }
    return true;
  } catch (error) {
    showError(error);
    return false;
  }
}

async function uploadFile(kind, file) {
  const user = state.current;
  if (!user || !file) return;
  const input = $('text-input');
  const caption = input.value.trim();
  try {
    await api.upload(user.id, kind, file, caption || undefined);
    if (caption) {
      input.value = '';
      autoGrow(input);
    }
  } catch (error) {
    showError(error);
  }
}

// Bot commands menu (Telegram's "Menu" button)

async function toggleCommands() {
  const menu = $('commands-menu');
  const button = $('commands-btn');
  if (!menu.hidden) {
    menu.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    return;
  }
  closePopovers();
  menu.replaceChildren(el('div', { class: 'menu-note', text: 'Loading…' }));
  menu.hidden = false;
  button.setAttribute('aria-expanded', 'true');
  try {
    const answer = await api.commands(state.current?.language_code);
    menu.replaceChildren();
    if (!answer.commands.length) menu.append(el('div', { class: 'menu-note', text: 'The bot has set no commands.' }));
    for (const command of answer.commands) {
      menu.append(
        el(
          'button',
          {
            type: 'button',
            role: 'menuitem',
            class: 'menu-item command',
            onclick: async () => {
              menu.hidden = true;
              button.setAttribute('aria-expanded', 'false');
              await sendText(`/${command.command}`);
            },
          },
          el('span', { class: 'cmd', text: `/${command.command}` }),
          el('span', { class: 'cmd-desc', text: command.description }),
        ),
      );
    }
  } catch (error) {
    menu.hidden = true;
    showError(error);
  }
}

function closePopovers() {
  for (const [menuId, buttonId] of [['commands-menu', 'commands-btn'], ['attach-menu', 'attach-btn']]) {
    $(menuId).hidden = true;
    $(buttonId).setAttribute('aria-expanded', 'false');
  }
}

// Staff chat

async function loadSandbox() {
  try {
    state.sandbox = await api.sandbox();
  } catch (error) {
    state.sandbox = { staff_chat_id: null, operator: null, bot: null };
  }
  const sandbox = state.sandbox;
  if (sandbox.bot) $('bot-name').textContent = sandbox.bot.first_name;
  state.staffPoll?.stop();
  state.staffPoll = null;
  const chatId = sandbox.staff_chat_id;
  const present = chatId != null && sandbox.staff_chat;
  $('staff-missing').hidden = Boolean(present);
  $('staff-composer').hidden = !present;
  $('staff-hint').hidden = !present;
  if (!present) {
    state.staffView.clear();
    return;
  }
  if (sandbox.operator && !userById(sandbox.operator.id)) state.users.push(sandbox.operator);
  $('staff-title').textContent = sandbox.staff_chat.title || 'Staff chat';
  const kind = sandbox.staff_chat.is_forum ? 'forum with topics' : 'group';
  $('staff-sub').textContent = `${kind} · you are ${sandbox.operator?.first_name ?? 'staff'}`;
  renderTopics(sandbox.staff_chat);
  $('staff-hint').textContent = sandbox.staff_chat.is_forum
    ? 'Each client has a topic: open it and write. /r, /r KEY, /close and /card work there.'
    : 'To answer a client, press ↩ on a request and write the answer.';
  $('staff-input').placeholder = `Write as ${sandbox.operator?.first_name ?? 'staff'}…`;
  const messages = await api.messages(chatId);
  state.staffView.load(messages);
  state.staffPoll = poll(
    (after, signal) => api.events(chatId, after, WAIT, signal),
    sandbox.staff_chat.last_seq,
    (events) => {
      if (events.some((e) => e.type.startsWith('topic_'))) refreshTopics();
      state.staffView.apply(events);
      const operatorId = sandbox.operator?.id;
      const fresh = events.filter((e) => ['bot_message', 'user_message'].includes(e.type) && e.message?.from_user_id !== operatorId);
      if (!sideVisible('staff')) state.staffUnread += fresh.length;
      updateBadges();
    },
    setConnected,
  );
}

// Forum topics: one per customer; the pane shows one topic at a time, as Telegram does.
function renderTopics(chat) {
  const nav = $('staff-topics');
  const topics = chat?.is_forum ? chat.topics : [];
  nav.hidden = !chat?.is_forum;
  if (state.staffTopic != null && !topics.some((t) => t.message_thread_id === state.staffTopic)) state.staffTopic = null;
  if (!state.staffTopicChosen && topics.length) state.staffTopic = topics[topics.length - 1].message_thread_id;
  const choices = [{ message_thread_id: null, name: '# General', is_closed: false }, ...topics];
  nav.replaceChildren(...choices.map((topic) => {
    const button = el('button', {
      type: 'button',
      class: topic.is_closed ? 'closed' : '',
      text: `${topic.is_closed ? '🔒 ' : ''}${topic.name}`,
      dataset: { thread: String(topic.message_thread_id ?? '') },
    });
    button.setAttribute('aria-pressed', String(topic.message_thread_id === state.staffTopic));
    button.addEventListener('click', () => {
      state.staffTopic = topic.message_thread_id;
      state.staffTopicChosen = true;
      renderTopics(chat);
      state.staffView.refilter();
    });
    return button;
  }));
}

async function refreshTopics() {
  const chatId = state.sandbox?.staff_chat_id;
  if (chatId == null) return;
  try {
    const chat = await api.chat(chatId);
    state.sandbox.staff_chat = chat;
    const before = state.staffTopic;
    renderTopics(chat);
    if (before !== state.staffTopic) state.staffView.refilter();
  } catch (error) {
    showError(error);
  }
}

function staffThread() {
  return state.sandbox?.staff_chat?.is_forum ? state.staffTopic : null;
}

async function sendStaffFile(file) {
  const sandbox = state.sandbox;
  if (!sandbox?.operator || sandbox.staff_chat_id == null || !file) return;
  const input = $('staff-input');
  const caption = input.value.trim();
  const kind = file.type.startsWith('image/') ? 'photo' : 'document';
  try {
    await api.upload(sandbox.operator.id, kind, file, caption || undefined,
      { chatId: sandbox.staff_chat_id, threadId: staffThread() });
    input.value = '';
    autoGrow(input);
  } catch (error) {
    showError(error);
  }
}

async function sendStaff(text) {
  const sandbox = state.sandbox;
  if (!sandbox?.operator || sandbox.staff_chat_id == null || !text.trim()) return false;
  try {
    await api.send(sandbox.operator.id, text, {
      chatId: sandbox.staff_chat_id, replyTo: state.staffReplyTo?.message_id, threadId: staffThread(),
    });
    setReplyTo(null, 'staff');
    return true;
  } catch (error) {
    showError(error);
    return false;
  }
}

// SMS outbox

function renderSms() {
  const list = $('sms-list');
  const items = relevantSms();
  list.replaceChildren();
  for (const sms of items.slice().reverse()) {
    const code = CODE.exec(sms.text)?.[0];
    const user = sms.user_id != null ? userById(sms.user_id) : null;
    list.append(
      el(
        'li',
        { class: 'sms-item', dataset: { seq: String(sms.seq) } },
        el(
          'div',
          { class: 'sms-meta' },
          el('span', { class: 'sms-phone', text: `To ${sms.phone}${user ? ` (${nameOf(user.id)})` : ''}` }),
          el('time', { datetime: new Date(sms.date * 1000).toISOString(), text: clock(sms.date) }),
        ),
        el('p', { class: 'sms-text', text: sms.text }),
        code
          ? el(
              'div',
              { class: 'sms-actions' },
              el('button', {
                type: 'button',
                class: 'small',
                text: `Use code ${code}`,
                title: 'Put the code in the message field',
                onclick: () => {
                  const input = $('text-input');
                  input.value = code;
                  autoGrow(input);
                  input.focus();
                  if (!WIDE.matches) setDrawer('side', false);
                },
              }),
              el('button', { type: 'button', class: 'small', text: 'Copy', onclick: () => navigator.clipboard?.writeText(code).then(() => toast('Copied')) }),
            )
          : null,
      ),
    );
  }
  $('sms-empty').hidden = items.length > 0;
  updateBadges();
}

async function startSms() {
  // SMS already in the outbox when the page opens count as read.
  let after = 0;
  try {
    const page = await api.sms(0, 0);
    state.sms = page.messages;
    state.smsSeen = page.last_seq;
    after = page.last_seq;
  } catch (error) {
    setConnected(false);
  }
  renderSms();
  state.smsPoll = poll(
    (cursor, signal) => api.sms(cursor, WAIT, signal),
    after,
    (messages) => {
      state.sms.push(...messages);
      renderSms();
      const latest = messages[messages.length - 1];
      if (!sideVisible('sms') && relevantSms().some((sms) => sms.seq === latest.seq)) {
        toast(`SMS to ${latest.phone}: ${latest.text}`);
      }
    },
    setConnected,
  );
}

// New user form

function openNewUser(open) {
  const form = $('new-user-form');
  form.hidden = !open;
  $('new-user-toggle').setAttribute('aria-expanded', String(open));
  if (open) {
    if (!MEDIUM.matches) setDrawer('users', true);
    updatePhoneSuggestion(true);
    $('nu-error').hidden = true;
    $('nu-first-name').focus();
  }
}

function updatePhoneSuggestion(force) {
  const language = $('nu-language').value;
  const input = $('nu-phone');
  const family = language === 'ky' ? 'ky' : 'kz';
  if (force || input.dataset.family !== family) {
    input.placeholder = suggestPhone(language);
    input.dataset.family = family;
  }
}

async function createUser(event) {
  event.preventDefault();
  const first = $('nu-first-name').value.trim();
  if (!first) {
    $('nu-first-name').focus();
    return;
  }
  const language = $('nu-language').value;
  const phone = compactPhone($('nu-phone').value.trim() || $('nu-phone').placeholder);
  const body = { first_name: first, language_code: language || undefined, phone_number: phone };
  const last = $('nu-last-name').value.trim();
  if (last) body.last_name = last;
  $('nu-create').disabled = true;
  try {
    const user = await api.createUser(body);
    state.users.push(user);
    $('new-user-form').reset();
    openNewUser(false);
    await selectUser(user.id);
    if (!MEDIUM.matches) setDrawer('users', false);
    $('text-input').focus();
  } catch (error) {
    $('nu-error').textContent = error.description || error.message;
    $('nu-error').hidden = false;
  } finally {
    $('nu-create').disabled = false;
  }
}

// Wiring

function wire() {
  state.chatView = new ChatView($('messages'), {
    meId: () => state.current?.id,
    nameOf,
    group: false,
    canReply: () => true,
    onReply: (message) => setReplyTo(message),
    onPress: (message, button) => api.press(state.current.id, message.message_id, button.callback_data),
    canPay: () => Boolean(state.current),
    onPay: (message) => api.pay(state.current.id, message.message_id),
    onError: showError,
  });
  state.staffView = new ChatView($('staff-messages'), {
    meId: () => state.sandbox?.operator?.id,
    visible: (message) => !state.sandbox?.staff_chat?.is_forum || (message.message_thread_id ?? null) === state.staffTopic,
    nameOf,
    group: true,
    canReply: () => true,
    onReply: (message) => setReplyTo(message, 'staff'),
    onPress: (message, button) => api.press(state.sandbox.operator.id, message.message_id, button.callback_data, state.sandbox.staff_chat_id),
    canPay: () => false,
    onPay: async () => ({ ok: false }),
    onError: showError,
  });

  $('new-user-toggle').addEventListener('click', () => openNewUser($('new-user-form').hidden));
  $('no-user-create').addEventListener('click', () => openNewUser(true));
  $('nu-cancel').addEventListener('click', () => openNewUser(false));
  $('nu-language').addEventListener('change', () => updatePhoneSuggestion(false));
  $('new-user-form').addEventListener('submit', createUser);

  const input = $('text-input');
  $('composer').addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = input.value;
    if (!text.trim()) return;
    input.value = '';
    autoGrow(input);
    if (!(await sendText(text))) input.value = text;
  });
  input.addEventListener('input', () => autoGrow(input));
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $('composer').requestSubmit();
    }
    if (event.key === 'Escape') setReplyTo(null);
  });
  // A partner bank's link, t.me/<bot>?start=<payload>, opened as the sandbox's ?start=<payload>:
  // START sends `/start <payload>` as Telegram would (A-Za-z0-9_-, at most 64 characters).
  const startPayload = new URLSearchParams(window.location.search).get('start') || '';
  const deepLink = /^[A-Za-z0-9_-]{1,64}$/.test(startPayload) ? startPayload : '';
  if (deepLink) {
    $('start-link').textContent = `Link: ?start=${deepLink}`;
    $('start-link').hidden = false;
  }
  $('start-btn').addEventListener('click', () => sendText(deepLink ? `/start ${deepLink}` : '/start'));

  $('commands-btn').addEventListener('click', toggleCommands);
  $('attach-btn').addEventListener('click', () => {
    const menu = $('attach-menu');
    const open = menu.hidden;
    closePopovers();
    menu.hidden = !open;
    $('attach-btn').setAttribute('aria-expanded', String(open));
  });
  for (const [id, kind] of [['photo-input', 'photo'], ['file-input', 'document']]) {
    $(id).addEventListener('change', async (event) => {
      closePopovers();
      const file = event.target.files?.[0];
      event.target.value = '';
      await uploadFile(kind, file);
    });
  }
  document.addEventListener('click', (event) => {
    if (!event.target.closest('.popover, #commands-btn, #attach-btn')) closePopovers();
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      closePopovers();
      if (!MEDIUM.matches) setDrawer('users', false);
      if (!WIDE.matches) setDrawer('side', false);
    }
  });
  $('keyboard-toggle').addEventListener('click', () => {
    const id = state.current?.id;
    state.keyboardHidden.set(id, !(state.keyboardHidden.get(id) === true));
    renderKeyboard();
  });

  const staffInput = $('staff-input');
  $('staff-composer').addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = staffInput.value;
    if (!text.trim()) return;
    staffInput.value = '';
    autoGrow(staffInput);
    if (!(await sendStaff(text))) staffInput.value = text;
  });
  staffInput.addEventListener('input', () => autoGrow(staffInput));
  staffInput.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $('staff-composer').requestSubmit();
    }
    if (event.key === 'Escape') setReplyTo(null, 'staff');
  });

  $('tab-staff').addEventListener('click', () => selectTab('staff'));
  $('staff-file').addEventListener('change', async (event) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    await sendStaffFile(file);
  });
  $('tab-sms').addEventListener('click', () => selectTab('sms'));
  $('tab-clinic').addEventListener('click', () => selectTab('clinic'));
  $('open-staff').addEventListener('click', () => openSide('staff'));
  $('open-sms').addEventListener('click', () => openSide('sms'));
  $('open-clinic').addEventListener('click', () => openSide('clinic'));
  state.clinic = new ClinicPane({
    visible: () => sideVisible('clinic'),
    patient: () => (state.current ? { id: state.current.id, name: nameOf(state.current.id) } : null),
  });
  state.clinic.wire();
  state.clinic.relabel();
  $('close-side').addEventListener('click', () => setDrawer('side', false));
  $('open-users').addEventListener('click', () => setDrawer('users', $('app').dataset.usersOpen !== 'true'));
  $('close-users').addEventListener('click', () => setDrawer('users', false));
  $('scrim').addEventListener('click', () => {
    setDrawer('users', false);
    setDrawer('side', false);
  });
  $('sms-all').checked = localStorage.getItem(STORE.smsAll) === 'true';
  $('sms-all').addEventListener('change', () => {
    localStorage.setItem(STORE.smsAll, String($('sms-all').checked));
    renderSms();
  });
  for (const query of [WIDE, MEDIUM]) query.addEventListener('change', () => setDrawer('side', false));
}

async function main() {
  wire();
  selectTab(localStorage.getItem(STORE.tab));
  await loadSandbox();
  await refreshWorld();
  if (!state.users.some((user) => !isOperator(user))) openNewUser(true);
  await startSms();
  setInterval(() => {
    if (!document.hidden) {
      refreshWorld();
      state.clinic.refresh();
    }
  }, REFRESH_MS);
  document.body.dataset.ready = 'true';
}

main().catch(showError);
