// The page's own labels and clock follow the chosen user's language: invoice
// words in Kazakh, Kyrgyz or Russian, times in that user's country time.

const LABELS = {
  en: { total: 'Total', pay: 'Pay', paying: 'Paying…', paid: 'Paid ✓', completed: 'Payment completed (sandbox).',
    timeout: 'The bot did not confirm the payment in time.', declined: 'Declined', today: 'Today' },
  ru: { total: 'Итого', pay: 'Оплатить', paying: 'Оплата…', paid: 'Оплачено ✓', completed: 'Оплата прошла (тестовый режим).',
    timeout: 'Бот не подтвердил оплату вовремя.', declined: 'Отклонено', today: 'Сегодня' },
  kk: { total: 'Барлығы', pay: 'Төлеу', paying: 'Төленуде…', paid: 'Төленді ✓', completed: 'Төлем өтті (сынақ режимі).',
    timeout: 'Бот төлемді уақытында растамады.', declined: 'Қабылданбады', today: 'Бүгін' },
  ky: { total: 'Жалпы', pay: 'Төлөө', paying: 'Төлөнүүдө…', paid: 'Төлөндү ✓', completed: 'Төлөм өттү (сыноо режими).',
    timeout: 'Бот төлөмдү убагында ырастаган жок.', declined: 'Четке кагылды', today: 'Бүгүн' },
};
// The bot's time zones: Kyrgyzstan Asia/Bishkek, Kazakhstan Asia/Almaty (bot/i18n.py).
const ZONES = { ky: 'Asia/Bishkek', kk: 'Asia/Almaty', ru: 'Asia/Almaty' };

let language = 'en';

export function setLanguage(code) {
  const base = String(code || '').split(/[-_]/)[0].toLowerCase();
  language = LABELS[base] ? base : 'en';
  document.documentElement.dataset.userLanguage = language;
}

export function label(key) {
  return LABELS[language][key] ?? LABELS.en[key];
}

export function timeZone() {
  return ZONES[language];
}

export function locale() {
  return language === 'en' ? undefined : language;
}
