// One chat's message list, Telegram style: bubbles, inline keyboards, files, invoices.
// Used for the user's private chat with the bot and for the staff group chat.

import { clock, dayKey, dayLabel, el, fileSize, money, renderText } from './format.js';
import { label } from './i18n.js';

const NEAR_BOTTOM = 120;

function fileUrl(info, inline) {
  // The snapshot's url is absolute (emulator base); keep the path so it works behind any host name.
  let path = `/control/files/${encodeURIComponent(info.file_id)}`;
  try {
    if (info.url) path = new URL(info.url, window.location.href).pathname;
  } catch {
    /* keep the built path */
  }
  return inline ? `${path}?inline=1` : path;
}

function extension(name) {
  const match = /\.([A-Za-z0-9]{1,5})$/.exec(name || '');
  return match ? match[1].toUpperCase() : 'FILE';
}

function snippet(message) {
  if (!message) return 'Message';
  if (message.text) return message.text.split('\n').find((line) => line.trim()) ?? message.text;
  if (message.caption) return message.caption;
  if (message.document) return `📄 ${message.document.file_name || 'File'}`;
  if (message.photo) return '🖼 Photo';
  if (message.contact) return `📞 ${message.contact.phone_number}`;
  if (message.invoice) return `🧾 ${message.invoice.title}`;
  return 'Message';
}

export class ChatView {
  constructor(list, options) {
    this.list = list;
    this.options = options;
    this.messages = new Map(); // message_id -> snapshot
    this.rows = new Map(); // message_id -> row element
    this.payState = new Map(); // message_id -> {busy, text, ok}
    this.busyButtons = new Map(); // message_id -> callback data being pressed
    // When the list shrinks (the reply keyboard opens, a reply target shows), a
    // reader at the bottom stays at the bottom: nothing covers the newest message.
    // A scroll event may come after the list shrank and before this observer
    // runs: a reader within reach of the bottom before the shrink stays there too.
    this.stuck = true;
    list.addEventListener('scroll', () => { this.stuck = this.nearBottom(); });
    let height = list.clientHeight;
    new ResizeObserver(() => {
      const shrunk = height - list.clientHeight;
      height = list.clientHeight;
      const gap = list.scrollHeight - list.scrollTop - list.clientHeight;
      if (this.stuck || (shrunk > 0 && gap - shrunk < NEAR_BOTTOM)) this.scrollToBottom();
    }).observe(list);
  }

  get size() {
    return this.messages.size;
  }

  clear() {
    this.messages.clear();
    this.rows.clear();
    this.payState.clear();
    this.busyButtons.clear();
    this.list.replaceChildren();
  }

  nearBottom() {
    const list = this.list;
    return list.scrollHeight - list.scrollTop - list.clientHeight < NEAR_BOTTOM;
  }

  scrollToBottom() {
    this.list.scrollTop = this.list.scrollHeight;
    this.stuck = true;
  }

  load(snapshots) {
    this.clear();
    for (const message of snapshots) this.upsert(message, false);
    this.decorate();
    this.scrollToBottom();
  }

  // Apply a batch of events; answers what the caller may want to react to.
  apply(events) {
    const stick = this.nearBottom();
    let grew = false;
    for (const event of events) {
      const message = event.message;
      switch (event.type) {
        case 'bot_message':
        case 'user_message':
        case 'invoice':
        case 'payment':
        case 'bot_edit':
          if (message) {
            if (!this.messages.has(message.message_id)) grew = true;
            this.busyButtons.delete(message.message_id);
            this.upsert(message, true);
          }
          break;
        case 'bot_delete':
          if (message) this.remove(message.message_id);
          break;
        case 'callback_answer':
          if (message && this.busyButtons.has(message.message_id)) {
            this.busyButtons.delete(message.message_id);
            this.refresh(message.message_id);
          }
          break;
        default:
          break;
      }
    }
    this.decorate();
    if (stick || grew) this.scrollToBottom();
  }

  refresh(messageId) {
    const message = this.messages.get(messageId);
    if (message) this.upsert(message, true);
  }

  upsert(message, animate) {
    const id = message.message_id;
    this.messages.set(id, message);
    const row = this.renderRow(message);
    const old = this.rows.get(id);
    if (old) {
      old.replaceWith(row);
      if (animate && message.edit_date) row.classList.add('just-edited');
    } else {
      let before = null;
      for (const [otherId, otherRow] of this.rows) {
        if (otherId > id && (before === null || otherId < Number(before.dataset.id))) before = otherRow;
      }
      this.list.insertBefore(row, before);
      if (animate) row.classList.add('just-added');
    }
    this.rows.set(id, row);
  }

  remove(messageId) {
    this.rows.get(messageId)?.remove();
    this.rows.delete(messageId);
    this.messages.delete(messageId);
  }

  // Day separators and bubble grouping, from the rows' order.
  decorate() {
    let previous = null;
    for (const row of this.list.children) {
      const message = this.messages.get(Number(row.dataset.id));
      if (!message) continue;
      const day = dayKey(message.date);
      const newDay = !previous || dayKey(previous.date) !== day;
      const separator = row.firstElementChild?.classList.contains('day') ? row.firstElementChild : null;
      if (newDay && !separator) {
        row.prepend(el('div', { class: 'day' }, el('span', { text: dayLabel(message.date) })));
      } else if (!newDay && separator) {
        separator.remove();
      }
      row.classList.toggle('first-of-day', newDay);
      const sameSender = previous && !newDay && previous.from_user_id === message.from_user_id;
      row.classList.toggle('continued', Boolean(sameSender));
      previous = message;
    }
    for (const row of this.list.children) {
      const next = row.nextElementSibling;
      row.classList.toggle('last-in-group', !next || !next.classList.contains('continued'));
    }
  }

  highlight(messageId) {
    const row = this.rows.get(messageId);
    if (!row) return;
    row.scrollIntoView({ block: 'center', behavior: 'smooth' });
    row.classList.remove('flash');
    void row.offsetWidth;
    row.classList.add('flash');
  }

  // Rendering

  // Show only the messages `options.visible` accepts (the staff pane's open forum topic).
  refilter() {
    for (const [id, row] of this.rows) row.hidden = !(this.options.visible?.(this.messages.get(id)) ?? true);
    this.decorate();
    this.scrollToBottom();
  }

  renderRow(message) {
    const row = this.renderAnyRow(message);
    row.hidden = !(this.options.visible?.(message) ?? true);
    return row;
  }

  renderAnyRow(message) {
    const { meId } = this.options;
    if (message.successful_payment || message.forum_topic_created) return this.renderServiceRow(message);
    const outgoing = message.from_user_id === meId();
    const row = el('div', {
      class: `row ${outgoing ? 'out' : 'in'}${message.from_bot ? ' from-bot' : ''}`,
      dataset: { id: String(message.message_id), from: String(message.from_user_id) },
    });
    const wrap = el('div', { class: 'msg' });
    const bubble = el('div', { class: 'bubble' });
    if (this.options.group && !outgoing) {
      bubble.append(el('div', { class: 'sender', text: this.options.nameOf(message.from_user_id) }));
    }
    if (message.forward_origin) {
      const origin = message.forward_origin;
      const who = origin.sender_user?.first_name || origin.sender_user_name || origin.chat?.title || 'someone';
      bubble.append(el('div', { class: 'forwarded', text: `Forwarded from ${who}` }));
    }
    // In a forum topic every message "replies" to the topic's first message: no quote for that.
    if (message.reply_to_message_id && message.reply_to_message_id !== message.message_thread_id) {
      const target = this.messages.get(message.reply_to_message_id);
      const quote = el(
        'button',
        {
          type: 'button',
          class: 'quote',
          title: 'Show the message this replies to',
          onclick: () => this.highlight(message.reply_to_message_id),
        },
        el('span', { class: 'quote-name', text: target ? this.options.nameOf(target.from_user_id) : 'Reply' }),
        el('span', { class: 'quote-text', text: snippet(target) }),
      );
      bubble.append(quote);
    }
    if (message.photo) bubble.append(this.renderPhoto(message.photo));
    if (message.document) bubble.append(this.renderDocument(message.document));
    if (message.contact) bubble.append(this.renderContact(message.contact));
    if (message.location) {
      bubble.append(el('div', { class: 'text', text: `📍 ${message.location.latitude}, ${message.location.longitude}` }));
    }
    if (message.invoice) bubble.append(this.renderInvoice(message));
    const body = message.text ?? message.caption;
    const bodyEntities = message.text != null ? message.entities : message.caption_entities;
    const meta = this.renderMeta(message, outgoing);
    if (body) {
      // The time floats at the end of the last line, or below it when the line is full.
      bubble.append(el('div', { class: 'text' }, renderText(body, bodyEntities), meta));
    } else {
      if (!message.photo && !message.document && !message.contact && !message.invoice) {
        bubble.append(el('div', { class: 'text muted', text: '(a message the sandbox cannot show)' }));
      }
      bubble.append(meta);
    }
    bubble.classList.toggle('no-text', !body);
    bubble.classList.toggle('photo-only', Boolean(message.photo) && !body);
    wrap.append(bubble);
    row.append(wrap);
    const keyboard = message.reply_markup?.inline_keyboard;
    if (Array.isArray(keyboard) && keyboard.length) wrap.append(this.renderInlineKeyboard(message, keyboard));
    if (this.options.canReply?.(message)) {
      row.append(
        el('button', {
          type: 'button',
          class: 'reply-btn',
          title: 'Reply',
          'aria-label': `Reply to: ${snippet(message).slice(0, 60)}`,
          onclick: () => this.options.onReply(message),
          text: '↩',
        }),
      );
    }
    return row;
  }

  renderServiceRow(message) {
    const payment = message.successful_payment;
    const row = el('div', { class: 'row service', dataset: { id: String(message.message_id), from: String(message.from_user_id) } });
    if (message.forum_topic_created) {
      row.append(el('div', { class: 'service-pill', text: `🗂 Topic created: ${message.forum_topic_created.name}` }));
      return row;
    }
    const who = message.from_user_id === this.options.meId() ? 'You' : this.options.nameOf(message.from_user_id);
    row.append(
      el('div', {
        class: 'service-pill',
        text: `✅ ${who} paid ${money(payment.total_amount, payment.currency)} (${payment.invoice_payload})`,
      }),
    );
    return row;
  }

  renderMeta(message, outgoing) {
    const meta = el('span', { class: 'meta' });
    if (message.edit_date) meta.append(el('span', { class: 'edited', text: 'edited' }));
    meta.append(el('time', { datetime: new Date(message.date * 1000).toISOString(), text: clock(message.date) }));
    if (outgoing) meta.append(el('span', { class: 'ticks', 'aria-label': 'sent', text: '✓✓' }));
    return meta;
  }

  renderPhoto(photo) {
    const image = el('img', {
      src: fileUrl(photo),
      alt: 'Photo',
      loading: 'lazy',
      width: photo.width || undefined,
      height: photo.height || undefined,
    });
    return el('a', { class: 'photo', href: fileUrl(photo, true), target: '_blank', rel: 'noopener', title: 'Open the photo' }, image);
  }

  renderDocument(document) {
    const name = document.file_name || 'file';
    return el(
      'div',
      { class: 'document' },
      el('span', { class: 'doc-icon', 'aria-hidden': 'true', text: extension(name) }),
      el(
        'div',
        { class: 'doc-info' },
        el('a', { class: 'doc-name', href: fileUrl(document, true), target: '_blank', rel: 'noopener', title: 'Open', text: name }),
        el(
          'div',
          { class: 'doc-sub' },
          el('span', { text: `${fileSize(document.file_size)}${document.mime_type ? ` · ${document.mime_type}` : ''}` }),
          el('a', { class: 'doc-download', href: fileUrl(document), download: name, text: 'Download' }),
        ),
      ),
    );
  }

  renderContact(contact) {
    const name = [contact.first_name, contact.last_name].filter(Boolean).join(' ');
    return el(
      'div',
      { class: 'contact' },
      el('span', { class: 'contact-icon', 'aria-hidden': 'true', text: '📞' }),
      el('div', {}, el('div', { class: 'contact-name', text: name || 'Contact' }), el('div', { class: 'contact-phone', text: contact.phone_number })),
    );
  }

  renderInvoice(message) {
    const invoice = message.invoice;
    const card = el(
      'div',
      { class: 'invoice' },
      el('div', { class: 'invoice-title', text: invoice.title }),
      invoice.description ? el('div', { class: 'invoice-description', text: invoice.description }) : null,
    );
    const prices = el('dl', { class: 'invoice-prices' });
    for (const price of invoice.prices || []) {
      prices.append(el('dt', { text: price.label }), el('dd', { text: money(price.amount, invoice.currency) }));
    }
    prices.append(el('dt', { class: 'total', text: label('total') }), el('dd', { class: 'total', text: money(invoice.total_amount, invoice.currency) }));
    card.append(prices);
    const hasPayButton = (message.reply_markup?.inline_keyboard || []).some((row) => row.some((button) => button.pay));
    if (!hasPayButton) card.append(this.payButton(message, `${label('pay')} ${money(invoice.total_amount, invoice.currency)}`, 'pay-btn'));
    const state = this.payState.get(message.message_id);
    if (state?.text) card.append(el('p', { class: `pay-result ${state.ok ? 'ok' : 'error'}`, role: 'status', text: state.text }));
    return card;
  }

  payButton(message, text, className) {
    const state = this.payState.get(message.message_id);
    const paid = message.invoice?.paid || state?.ok;
    const canPay = this.options.canPay?.(message);
    return el('button', {
      type: 'button',
      class: className,
      disabled: paid || state?.busy || !canPay,
      title: canPay ? 'Completes a sandbox payment: no money moves' : 'Only the chat\'s user can pay',
      onclick: () => this.pay(message),
      text: paid ? label('paid') : state?.busy ? label('paying') : text,
    });
  }

  async pay(message) {
    const id = message.message_id;
    this.payState.set(id, { busy: true });
    this.refresh(id);
    let state;
    try {
      const result = await this.options.onPay(message);
      if (result.ok) state = { ok: true, text: label('completed') };
      else if (result.timed_out) state = { ok: false, text: label('timeout') };
      else state = { ok: false, text: `${label('declined')}: ${result.error_message || '—'}` };
    } catch (error) {
      state = { ok: false, text: error.description || error.message };
    }
    this.payState.set(id, state);
    if (state.ok && this.messages.get(id)?.invoice) this.messages.get(id).invoice.paid = true;
    this.refresh(id);
  }

  renderInlineKeyboard(message, keyboard) {
    const container = el('div', { class: 'inline-keyboard', role: 'group', 'aria-label': 'Message buttons' });
    for (const buttons of keyboard) {
      const row = el('div', { class: 'kb-row' });
      for (const button of buttons) row.append(this.renderInlineButton(message, button));
      container.append(row);
    }
    return container;
  }

  renderInlineButton(message, button) {
    const label = button.text ?? '';
    if (button.pay) return this.payButton(message, label, 'kb-btn pay');
    if (typeof button.url === 'string' || button.login_url) {
      const url = button.url ?? button.login_url?.url;
      if (/^https?:/i.test(url || '')) {
        return el('a', { class: 'kb-btn link', href: url, target: '_blank', rel: 'noopener noreferrer', title: url }, label, el('span', { class: 'corner', 'aria-hidden': 'true', text: '↗' }));
      }
      return el('button', { type: 'button', class: 'kb-btn', disabled: true, title: `Link: ${url}` }, label);
    }
    if (button.copy_text) {
      return el('button', {
        type: 'button',
        class: 'kb-btn',
        title: 'Copy to the clipboard',
        onclick: () => navigator.clipboard?.writeText(button.copy_text.text ?? ''),
        text: label,
      });
    }
    if (typeof button.callback_data === 'string') {
      const busy = this.busyButtons.get(message.message_id) === button.callback_data;
      const node = el('button', {
        type: 'button',
        class: `kb-btn${busy ? ' busy' : ''}`,
        dataset: { callback: button.callback_data },
        'aria-busy': busy ? 'true' : undefined,
        onclick: () => this.press(message, button, node),
        text: label,
      });
      return node;
    }
    return el('button', { type: 'button', class: 'kb-btn', disabled: true, title: 'This kind of button is not available in the sandbox', text: label });
  }

  async press(message, button, node) {
    const id = message.message_id;
    this.busyButtons.set(id, button.callback_data);
    node.classList.add('busy');
    node.setAttribute('aria-busy', 'true');
    try {
      await this.options.onPress(message, button);
    } catch (error) {
      this.busyButtons.delete(id);
      this.refresh(id);
      this.options.onError?.(error);
      return;
    }
    setTimeout(() => {
      if (this.busyButtons.get(id) === button.callback_data) {
        this.busyButtons.delete(id);
        this.refresh(id);
      }
    }, 4000);
  }
}
