// The clinic pane: a person plays Dariger Online's clinic (docs/sandbox.md, "Clinic").
// Every button calls /control/clinic/*, which runs the same operations as the clinic CLI
// (bot/telemedicine/service.py); the patient reads the result in their chat.

import { api } from './api.js';
import { clinicLabel as t, hasClinicLabel } from './i18n.js';
import { el } from './format.js';

const $ = (id) => document.getElementById(id);

// What the endpoints name in `values`, in the pane's words.
function localValues(values = {}) {
  const out = { ...values };
  if (values.field) out.field = t(`f_${values.field}`);
  if (values.speciality) out.speciality = t(`sp_${values.speciality}`);
  if (values.status) out.status = t(`s_${values.status}`);
  if (values.reason) out.reason = t(`r_${values.reason}`);
  return out;
}

function errorText(error) {
  const code = error?.data?.code;
  if (code && hasClinicLabel(`err_${code}`)) return t(`err_${code}`, localValues(error.data.values));
  if (error?.status === undefined) return t('err_network');
  return error?.description || error?.message || String(error);
}

function fillSelect(select, options, empty) {
  const before = select.value;
  const items = options.length ? options : [{ value: '', text: empty }];
  select.replaceChildren(...items.map((o) => el('option', { value: o.value, text: o.text })));
  select.disabled = !options.length;
  if (options.some((o) => o.value === before)) select.value = before;
}

function item(main, meta, actions = []) {
  return el('li', { class: 'clinic-item' },
    el('div', { class: 'clinic-main', text: main }),
    meta ? el('div', { class: 'clinic-meta', text: meta }) : null,
    actions.length ? el('div', { class: 'clinic-actions' }, actions) : null);
}

function empty(text) {
  return el('li', { class: 'clinic-empty', text });
}

const localTime = (iso) => (iso ? iso.slice(11, 16) : '');

export class ClinicPane {
  constructor({ visible, patient }) {
    this.visible = visible; // () => whether the clinic tab is on screen
    this.patient = patient; // () => the chosen user ({ id, name }) or null
    this.data = null;
    this.signature = '';
    this.loading = null;
  }

  wire() {
    $('clinic-refresh').addEventListener('click', () => this.refresh(true));
    $('clinic-day').addEventListener('change', () => this.refresh(true));
    $('clinic-sample').addEventListener('click', (event) =>
      this.act('sample-roster', {}, event.currentTarget, (r) => t('done_sample', { count: r.doctors })));
    $('clinic-sample-patient').addEventListener('click', (event) => {
      const chosen = this.patient();
      this.act('sample-patient', { user: chosen ? chosen.id : null }, event.currentTarget,
        (r) => t('done_patient', { ...r, name: chosen?.name || r.patient }));
    });
    $('clinic-next').addEventListener('submit', (event) => {
      event.preventDefault();
      const doctor = $('clinic-duty-doctor').value;
      this.act('next', { doctor: doctor ? Number(doctor) : null, link: $('clinic-link').value },
        $('clinic-take'), (r) => t('done_connected', r));
    });
    $('clinic-hours').addEventListener('submit', (event) => {
      event.preventDefault();
      const doctor = $('clinic-hours-doctor').value;
      this.act('hours', { doctor: doctor ? Number(doctor) : null, days: $('clinic-days').value,
        hours: $('clinic-hours-text').value }, $('clinic-publish'),
      (r) => t('done_hours', { days: r.days.join(', '), hours: r.hours }));
    });
    $('clinic-finish').addEventListener('submit', async (event) => {
      event.preventDefault();
      const form = new FormData();
      form.set('number', $('clinic-finish-number').value);
      form.set('text', $('clinic-text').value);
      const file = $('clinic-file').files?.[0];
      if (file) form.set('file', file, file.name);
      const ok = await this.act('finish', form, $('clinic-send'), (r) => t('done_finished', r));
      if (ok) {
        $('clinic-text').value = '';
        $('clinic-file').value = '';
      }
    });
  }

  // The pane's words in the chosen user's language (i18n.js), then the lists again.
  relabel() {
    for (const node of document.querySelectorAll('#panel-clinic [data-label], #tab-clinic[data-label]')) {
      node.textContent = t(node.dataset.label);
    }
    for (const node of document.querySelectorAll('#panel-clinic [data-label-aria]')) {
      node.setAttribute('aria-label', t(node.dataset.labelAria));
    }
    $('open-clinic').setAttribute('aria-label', t('tab'));
    $('clinic-sub').textContent = t('sub', { zone: this.data?.zone || 'UTC+5' });
    const chosen = this.patient();
    $('clinic-patient-hint').textContent = chosen ? t('patient_hint', { name: chosen.name }) : t('patient_none');
    $('clinic-sample-patient').disabled = !chosen;
    if (this.data) this.render(this.data);
  }

  // Reads the clinic; quietly skipped while the pane is hidden unless `force`. A forced
  // read (after an action) waits for one in flight, which may predate the action.
  async refresh(force = false) {
    if (!force && !this.visible()) return undefined;
    if (this.loading) {
      await this.loading;
      if (!force) return undefined;
      if (this.loading) return this.loading;
    }
    this.loading = (async () => {
      try {
        const data = await api.clinic($('clinic-day').value);
        this.showMissing(false);
        const signature = JSON.stringify(data);
        if (force || signature !== this.signature) {
          this.signature = signature;
          this.data = data;
          if (!$('clinic-day').value) $('clinic-day').value = data.day;
          this.render(data);
        }
      } catch (error) {
        if (error?.data?.code === 'no_clinic') this.showMissing(true);
        else this.showError(error);
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }

  showMissing(missing) {
    $('clinic-missing').hidden = !missing;
    $('clinic-body').hidden = missing;
  }

  showError(error) {
    $('clinic-done').hidden = true;
    const node = $('clinic-error');
    node.textContent = errorText(error);
    node.hidden = false;
  }

  showDone(text) {
    $('clinic-error').hidden = true;
    const node = $('clinic-done');
    node.textContent = text;
    node.hidden = false;
  }

  // One clinic action; the answer (or the problem) shows at the top of the pane.
  async act(action, body, button, describe) {
    $('clinic-error').hidden = true;
    if (button) button.disabled = true;
    try {
      const answer = await api.clinicAct(action, body);
      this.showDone(describe(answer.result));
      await this.refresh(true);
      return true;
    } catch (error) {
      this.showError(error);
      return false;
    } finally {
      if (button) button.disabled = false;
    }
  }

  render(data) {
    const total = data.failed_calls_to_close;
    const speciality = (code) => t(`sp_${code}`);

    $('clinic-queue').replaceChildren(...(data.queue.length ? data.queue.map((row) => item(
      t('queue_row', { place: row.place, patient: row.patient, speciality: speciality(row.speciality),
        minutes: row.expected_wait_min }),
      `${row.number} · ${row.phone}`,
    )) : [empty(t('queue_empty'))]));

    $('clinic-connected').replaceChildren(...(data.connected.length ? data.connected.map((row) => item(
      `${row.number} · ${row.patient} · ${speciality(row.speciality)}`,
      [row.doctor, row.phone, row.join_link, t('calls', { count: row.failed_calls, total })].filter(Boolean).join(' · '),
      [
        el('button', { type: 'button', text: t('call_failed'), dataset: { number: row.number, action: 'call-failed' },
          onclick: (event) => this.act('call-failed', { number: row.number }, event.currentTarget, (r) =>
            (r.status === 'no_answer' ? t('done_closed', { ...r, total }) : t('done_failed', { ...r, count: r.failed_calls, total }))) }),
        el('button', { type: 'button', text: t('write'), dataset: { number: row.number, action: 'write' },
          onclick: () => {
            $('clinic-finish-number').value = row.number;
            $('clinic-text').focus();
          } }),
      ],
    )) : [empty(t('connected_empty'))]));

    $('clinic-bookings').replaceChildren(...(data.bookings.length ? data.bookings.map((row) => item(
      `${localTime(row.starts_at)} · ${row.number} · ${speciality(row.speciality)} · ${row.doctor || ''}`,
      `${row.patient} · ${row.phone} · ${t(`s_${row.status}`)}`,
      row.status === 'booked' ? [el('button', { type: 'button', text: t('connect'), dataset: { number: row.number, action: 'connect' },
        onclick: (event) => this.act('connect', { number: row.number, link: $('clinic-link').value }, event.currentTarget,
          (r) => t('done_connected', r)) })] : [],
    )) : [empty(t('bookings_empty'))]));

    $('clinic-roster').replaceChildren(...(data.roster.length ? data.roster.map((doctor) => item(
      `${doctor.id} · ${doctor.name} · ${speciality(doctor.speciality)}${doctor.on_duty ? ` · ${t('on_duty')}` : ''}`,
      doctor.hours || t('no_hours'),
      data.duty_specialities.includes(doctor.speciality) ? [el('button', {
        type: 'button', text: doctor.on_duty ? t('duty_off') : t('duty_on'), dataset: { doctor: String(doctor.id), action: 'duty' },
        onclick: (event) => this.act('duty', { doctor: doctor.id, on_duty: !doctor.on_duty }, event.currentTarget, () => t('done_duty')),
      })] : [],
    )) : [empty(t('roster_empty'))]));
    $('clinic-sample').hidden = data.roster.length > 0;

    const doctorOption = (doctor) => ({ value: String(doctor.id), text: `${doctor.name} · ${speciality(doctor.speciality)}` });
    fillSelect($('clinic-duty-doctor'), data.roster.filter((d) => d.on_duty).map(doctorOption), t('no_duty'));
    fillSelect($('clinic-hours-doctor'), data.roster.map(doctorOption), t('roster_empty'));
    fillSelect($('clinic-finish-number'), data.connected.map((row) => ({ value: row.number, text: `${row.number} · ${row.patient}` })),
      t('nothing_to_finish'));
  }
}
