// The page's own labels and clock follow the chosen user's language: invoice
// words and the clinic pane in Kazakh, Kyrgyz or Russian (English otherwise),
// times in that user's country time.

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
// The clinic pane (clinic.js): the person playing Dariger Online's clinic. {name}
// placeholders are filled by format(); error keys follow the endpoints' codes
// (bot/sandbox/clinic.py, ClinicError codes in bot/telemedicine/service.py).
const CLINIC = {
  en: {
    tab: 'Clinic', title: '«Dariger Online» clinic', sub: 'You act as the clinic. Times are Kazakhstan time ({zone}).',
    missing: 'No clinic here: the bot does not run in this process (start the sandbox with python -m bot sandbox).',
    refresh: 'Refresh', queue: 'Duty queue', queue_empty: 'Nobody is waiting.',
    queue_row: '№{place} · {patient} · {speciality} · waits about {minutes} min',
    duty_doctor: 'Duty doctor', no_duty: 'No doctor on duty',
    link: 'Join link for the patient', link_hint: 'Optional. Empty: the doctor calls the patient\'s phone.',
    take: 'Take the next patient', connected: 'In progress', connected_empty: 'No consultation in progress.',
    calls: 'failed calls: {count} of {total}', call_failed: 'Call failed', write: 'Write the conclusion',
    finish: 'Conclusion', finish_for: 'Consultation', nothing_to_finish: 'Nothing to finish',
    text: 'Conclusion text', file: 'File (optional): PDF, JPEG, PNG or HEIC', send: 'Send the conclusion',
    bookings: 'Planned bookings', day: 'Day', bookings_empty: 'No bookings on this day.', connect: 'Connect',
    roster: 'Doctors and working hours', roster_empty: 'No doctors yet.', sample: 'Add the sample roster',
    on_duty: 'on duty', duty_on: 'Come on duty', duty_off: 'Go off duty', no_hours: 'no hours',
    doctor: 'Doctor', days: 'Days', days_hint: 'mon-fri, sat,sun or daily', hours: 'Hours', hours_hint: 'e.g. 09:00-13:30',
    publish: 'Publish the hours',
    done_connected: '{number}: connected to {patient} ({phone}).',
    done_failed: '{number}: failed call {count} of {total}.',
    done_closed: '{number}: closed after {total} failed calls; it counts as given.',
    done_finished: '{number}: the conclusion is sent.', done_hours: 'Hours published: {days}, {hours}.',
    done_duty: 'Duty updated.', done_sample: '{count} doctors added with their hours.',
    s_queued: 'waiting', s_booked: 'booked', s_connected: 'connected', s_given: 'given, conclusion sent',
    s_no_answer: 'closed: no answer, counts as given', s_late_cancellation: 'cancelled late, counts as given',
    s_cancelled: 'cancelled',
    sp_therapist: 'therapist', sp_paediatrician: 'paediatrician', sp_cardiologist: 'cardiologist',
    sp_neurologist: 'neurologist', sp_gynaecologist: 'gynaecologist', sp_endocrinologist: 'endocrinologist',
    sp_dermatologist: 'dermatologist', sp_otolaryngologist: 'ear, nose and throat doctor',
    f_doctor: 'doctor', f_days: 'days', f_hours: 'hours', f_number: 'consultation', f_text: 'conclusion text',
    f_link: 'join link', f_on_duty: 'duty', f_file: 'file',
    r_too_large: 'it is too large', r_empty: 'it is empty', r_unsupported: 'only PDF, JPEG, PNG or HEIC',
    err_no_clinic: 'No clinic here: the bot does not run in this process.',
    err_bad_body: 'The request was not understood.', err_missing: 'Fill in: {field}.', err_bad_field: 'Check: {field}.',
    err_unknown_speciality: 'Unknown speciality.', err_duty_speciality: 'Only therapists and paediatricians are on duty (Appendix 1).',
    err_doctor_name: 'The doctor needs a name.', err_no_doctor: 'No doctor {doctor} in the roster.',
    err_bad_weekdays: 'Days «{value}» not understood: write mon-fri, sat,sun or daily.',
    err_bad_hours: 'Hours «{value}» not understood: write e.g. 09:00-13:30, on the hour or half hour, the end after the start.',
    err_roster_not_empty: 'The roster is not empty.', err_no_consultation: 'No consultation {number}.',
    err_not_duty_doctor: 'Doctor {doctor} is not on duty.', err_nobody_waiting: 'Nobody is waiting for a {speciality}.',
    err_not_booked: '{number} is {status}, not booked.', err_not_connected: '{number} is {status}: connect first.',
    err_conclusion_text: 'Write the conclusion text.', err_conclusion_long: 'The conclusion is longer than {limit} characters.',
    err_conclusion_file: 'The file was refused: {reason}.',
    err_bad_link: 'The join link must be a web address starting with https:// or http://.',
    err_bad_day: 'That day is not a date.', err_unknown_action: 'Unknown action.',
    err_network: 'The emulator is not reachable; try again.',
  },
  ru: {
    tab: 'Клиника', title: 'Клиника «Даригер Онлайн»', sub: 'Вы действуете как клиника. Время казахстанское ({zone}).',
    missing: 'Клиники здесь нет: бот не запущен в этом процессе (запустите песочницу: python -m bot sandbox).',
    refresh: 'Обновить', queue: 'Дежурная очередь', queue_empty: 'Никто не ждёт.',
    queue_row: '№{place} · {patient} · {speciality} · ждать около {minutes} мин',
    duty_doctor: 'Дежурный врач', no_duty: 'Нет дежурного врача',
    link: 'Ссылка для подключения пациента', link_hint: 'Необязательно. Пусто: врач звонит на телефон пациента.',
    take: 'Взять следующего пациента', connected: 'Идут сейчас', connected_empty: 'Сейчас консультаций нет.',
    calls: 'неудачных звонков: {count} из {total}', call_failed: 'Не дозвонились', write: 'Написать заключение',
    finish: 'Заключение', finish_for: 'Консультация', nothing_to_finish: 'Завершать нечего',
    text: 'Текст заключения', file: 'Файл (необязательно): PDF, JPEG, PNG или HEIC', send: 'Отправить заключение',
    bookings: 'Плановые записи', day: 'День', bookings_empty: 'На этот день записей нет.', connect: 'Подключиться',
    roster: 'Врачи и часы работы', roster_empty: 'Врачей пока нет.', sample: 'Добавить пример расписания',
    on_duty: 'дежурит', duty_on: 'Заступить на дежурство', duty_off: 'Снять с дежурства', no_hours: 'часов нет',
    doctor: 'Врач', days: 'Дни', days_hint: 'mon-fri, sat,sun или daily', hours: 'Часы', hours_hint: 'например 09:00-13:30',
    publish: 'Опубликовать часы',
    done_connected: '{number}: подключились к пациенту {patient} ({phone}).',
    done_failed: '{number}: неудачный звонок {count} из {total}.',
    done_closed: '{number}: закрыта после {total} неудачных звонков, считается оказанной.',
    done_finished: '{number}: заключение отправлено.', done_hours: 'Часы опубликованы: {days}, {hours}.',
    done_duty: 'Дежурство обновлено.', done_sample: 'Добавлено врачей с часами работы: {count}.',
    s_queued: 'в очереди', s_booked: 'записан', s_connected: 'идёт', s_given: 'оказана, заключение отправлено',
    s_no_answer: 'закрыта: не дозвонились, считается оказанной', s_late_cancellation: 'поздняя отмена, считается оказанной',
    s_cancelled: 'отменена',
    sp_therapist: 'терапевт', sp_paediatrician: 'педиатр', sp_cardiologist: 'кардиолог',
    sp_neurologist: 'невролог', sp_gynaecologist: 'гинеколог', sp_endocrinologist: 'эндокринолог',
    sp_dermatologist: 'дерматолог', sp_otolaryngologist: 'лор-врач',
    f_doctor: 'врач', f_days: 'дни', f_hours: 'часы', f_number: 'консультация', f_text: 'текст заключения',
    f_link: 'ссылка', f_on_duty: 'дежурство', f_file: 'файл',
    r_too_large: 'он слишком большой', r_empty: 'он пустой', r_unsupported: 'только PDF, JPEG, PNG или HEIC',
    err_no_clinic: 'Клиники здесь нет: бот не запущен в этом процессе.',
    err_bad_body: 'Запрос не понят.', err_missing: 'Заполните: {field}.', err_bad_field: 'Проверьте: {field}.',
    err_unknown_speciality: 'Неизвестная специальность.', err_duty_speciality: 'Дежурят только терапевты и педиатры (Приложение 1).',
    err_doctor_name: 'Укажите имя врача.', err_no_doctor: 'Врача {doctor} нет в списке.',
    err_bad_weekdays: 'Дни «{value}» не поняты: напишите mon-fri, sat,sun или daily.',
    err_bad_hours: 'Часы «{value}» не поняты: напишите, например, 09:00-13:30, ровно или с половиной часа, конец позже начала.',
    err_roster_not_empty: 'Список врачей уже не пуст.', err_no_consultation: 'Консультации {number} нет.',
    err_not_duty_doctor: 'Врач {doctor} не дежурит.', err_nobody_waiting: 'Никто не ждёт врача: {speciality}.',
    err_not_booked: '{number}: {status}, а не записан.', err_not_connected: '{number}: {status}; сначала подключитесь.',
    err_conclusion_text: 'Напишите текст заключения.', err_conclusion_long: 'Заключение длиннее {limit} символов.',
    err_conclusion_file: 'Файл не принят: {reason}.',
    err_bad_link: 'Ссылка для подключения должна быть веб-адресом, начинающимся с https:// или http://.',
    err_bad_day: 'Дата указана неверно.', err_unknown_action: 'Неизвестное действие.',
    err_network: 'Эмулятор недоступен; попробуйте ещё раз.',
  },
  kk: {
    tab: 'Клиника', title: '«Дәрігер Онлайн» клиникасы', sub: 'Сіз клиника атынан әрекет етесіз. Уақыт Қазақстан уақытымен ({zone}).',
    missing: 'Мұнда клиника жоқ: бот бұл процесте іске қосылмаған (python -m bot sandbox арқылы іске қосыңыз).',
    refresh: 'Жаңарту', queue: 'Кезекші дәрігерге кезек', queue_empty: 'Ешкім күтіп тұрған жоқ.',
    queue_row: '№{place} · {patient} · {speciality} · шамамен {minutes} мин күту',
    duty_doctor: 'Кезекші дәрігер', no_duty: 'Кезекші дәрігер жоқ',
    link: 'Пациенттің қосылу сілтемесі', link_hint: 'Міндетті емес. Бос болса, дәрігер пациенттің телефонына қоңырау шалады.',
    take: 'Келесі пациентті қабылдау', connected: 'Қазір жүріп жатыр', connected_empty: 'Қазір консультация жоқ.',
    calls: 'сәтсіз қоңыраулар: {total} ішінен {count}', call_failed: 'Қоңырау өтпеді', write: 'Қорытынды жазу',
    finish: 'Қорытынды', finish_for: 'Консультация', nothing_to_finish: 'Аяқтайтын ештеңе жоқ',
    text: 'Қорытынды мәтіні', file: 'Файл (міндетті емес): PDF, JPEG, PNG немесе HEIC', send: 'Қорытындыны жіберу',
    bookings: 'Жоспарлы жазылулар', day: 'Күн', bookings_empty: 'Бұл күнге жазылу жоқ.', connect: 'Қосылу',
    roster: 'Дәрігерлер және жұмыс уақыты', roster_empty: 'Әзірге дәрігер жоқ.', sample: 'Үлгі кестені қосу',
    on_duty: 'кезекте', duty_on: 'Кезекке тұру', duty_off: 'Кезектен шығару', no_hours: 'уақыты жоқ',
    doctor: 'Дәрігер', days: 'Күндер', days_hint: 'mon-fri, sat,sun немесе daily', hours: 'Сағаттар', hours_hint: 'мысалы, 09:00-13:30',
    publish: 'Жұмыс уақытын жариялау',
    done_connected: '{number}: {patient} пациентке қосылдыңыз ({phone}).',
    done_failed: '{number}: {total} ішінен {count}-сәтсіз қоңырау.',
    done_closed: '{number}: {total} сәтсіз қоңыраудан кейін жабылды, көрсетілген болып саналады.',
    done_finished: '{number}: қорытынды жіберілді.', done_hours: 'Жұмыс уақыты жарияланды: {days}, {hours}.',
    done_duty: 'Кезекшілік жаңартылды.', done_sample: 'Жұмыс уақытымен қосылған дәрігерлер: {count}.',
    s_queued: 'кезекте', s_booked: 'жазылған', s_connected: 'жүріп жатыр', s_given: 'көрсетілді, қорытынды жіберілді',
    s_no_answer: 'жабылды: қоңырау өтпеді, көрсетілген болып саналады', s_late_cancellation: 'кеш бас тартылды, көрсетілген болып саналады',
    s_cancelled: 'бас тартылды',
    sp_therapist: 'терапевт', sp_paediatrician: 'педиатр', sp_cardiologist: 'кардиолог',
    sp_neurologist: 'невролог', sp_gynaecologist: 'гинеколог', sp_endocrinologist: 'эндокринолог',
    sp_dermatologist: 'дерматолог', sp_otolaryngologist: 'лор-дәрігер',
    f_doctor: 'дәрігер', f_days: 'күндер', f_hours: 'сағаттар', f_number: 'консультация', f_text: 'қорытынды мәтіні',
    f_link: 'сілтеме', f_on_duty: 'кезекшілік', f_file: 'файл',
    r_too_large: 'ол тым үлкен', r_empty: 'ол бос', r_unsupported: 'тек PDF, JPEG, PNG немесе HEIC',
    err_no_clinic: 'Мұнда клиника жоқ: бот бұл процесте іске қосылмаған.',
    err_bad_body: 'Сұрау түсініксіз.', err_missing: 'Толтырыңыз: {field}.', err_bad_field: 'Тексеріңіз: {field}.',
    err_unknown_speciality: 'Белгісіз мамандық.', err_duty_speciality: 'Тек терапевтер мен педиатрлар кезекші болады (1-қосымша).',
    err_doctor_name: 'Дәрігердің атын көрсетіңіз.', err_no_doctor: 'Тізімде {doctor} дәрігер жоқ.',
    err_bad_weekdays: '«{value}» күндері түсініксіз: mon-fri, sat,sun немесе daily деп жазыңыз.',
    err_bad_hours: '«{value}» сағаттары түсініксіз: мысалы, 09:00-13:30 деп жазыңыз, толық не жарты сағатпен, соңы басынан кейін.',
    err_roster_not_empty: 'Дәрігерлер тізімі бос емес.', err_no_consultation: '{number} консультация жоқ.',
    err_not_duty_doctor: '{doctor} дәрігер кезекте емес.', err_nobody_waiting: 'Дәрігерді ешкім күтіп тұрған жоқ: {speciality}.',
    err_not_booked: '{number}: {status}, жазылған емес.', err_not_connected: '{number}: {status}; алдымен қосылыңыз.',
    err_conclusion_text: 'Қорытынды мәтінін жазыңыз.', err_conclusion_long: 'Қорытынды {limit} таңбадан ұзын.',
    err_conclusion_file: 'Файл қабылданбады: {reason}.',
    err_bad_link: 'Қосылу сілтемесі https:// немесе http:// деп басталатын веб-мекенжай болуы керек.',
    err_bad_day: 'Күн дұрыс жазылмаған.', err_unknown_action: 'Белгісіз әрекет.',
    err_network: 'Эмулятор қолжетімсіз; қайталап көріңіз.',
  },
  ky: {
    tab: 'Клиника', title: '«Даригер Онлайн» клиникасы', sub: 'Сиз клиниканын атынан иш кыласыз. Убакыт Казакстан убактысы менен ({zone}).',
    missing: 'Бул жерде клиника жок: бот бул процессте иштеп жаткан жок (python -m bot sandbox менен иштетиңиз).',
    refresh: 'Жаңылоо', queue: 'Кезметчи дарыгерге кезек', queue_empty: 'Эч ким күтүп жаткан жок.',
    queue_row: '№{place} · {patient} · {speciality} · болжол менен {minutes} мүн күтүү',
    duty_doctor: 'Кезметчи дарыгер', no_duty: 'Кезметчи дарыгер жок',
    link: 'Бейтаптын кошулуу шилтемеси', link_hint: 'Милдеттүү эмес. Бош болсо, дарыгер бейтаптын телефонуна чалат.',
    take: 'Кийинки бейтапты алуу', connected: 'Азыр жүрүп жатат', connected_empty: 'Азыр консультация жок.',
    calls: 'ийгиликсиз чалуулар: {total} ичинен {count}', call_failed: 'Чалуу өтпөдү', write: 'Корутунду жазуу',
    finish: 'Корутунду', finish_for: 'Консультация', nothing_to_finish: 'Бүтүрө турган эч нерсе жок',
    text: 'Корутундунун тексти', file: 'Файл (милдеттүү эмес): PDF, JPEG, PNG же HEIC', send: 'Корутундуну жөнөтүү',
    bookings: 'Пландуу жазылуулар', day: 'Күн', bookings_empty: 'Бул күнгө жазылуу жок.', connect: 'Кошулуу',
    roster: 'Дарыгерлер жана иш убактысы', roster_empty: 'Азырынча дарыгер жок.', sample: 'Үлгү тизмени кошуу',
    on_duty: 'кезметте', duty_on: 'Кезметке туруу', duty_off: 'Кезметтен чыгаруу', no_hours: 'убактысы жок',
    doctor: 'Дарыгер', days: 'Күндөр', days_hint: 'mon-fri, sat,sun же daily', hours: 'Сааттар', hours_hint: 'мисалы, 09:00-13:30',
    publish: 'Иш убактысын жарыялоо',
    done_connected: '{number}: {patient} бейтапка кошулдуңуз ({phone}).',
    done_failed: '{number}: {total} ичинен {count}-ийгиликсиз чалуу.',
    done_closed: '{number}: {total} ийгиликсиз чалуудан кийин жабылды, көрсөтүлгөн деп эсептелет.',
    done_finished: '{number}: корутунду жөнөтүлдү.', done_hours: 'Иш убактысы жарыяланды: {days}, {hours}.',
    done_duty: 'Кезмет жаңыланды.', done_sample: 'Иш убактысы менен кошулган дарыгерлер: {count}.',
    s_queued: 'кезекте', s_booked: 'жазылган', s_connected: 'жүрүп жатат', s_given: 'көрсөтүлдү, корутунду жөнөтүлдү',
    s_no_answer: 'жабылды: чалуу өтпөдү, көрсөтүлгөн деп эсептелет', s_late_cancellation: 'кеч жокко чыгарылды, көрсөтүлгөн деп эсептелет',
    s_cancelled: 'жокко чыгарылды',
    sp_therapist: 'терапевт', sp_paediatrician: 'педиатр', sp_cardiologist: 'кардиолог',
    sp_neurologist: 'невролог', sp_gynaecologist: 'гинеколог', sp_endocrinologist: 'эндокринолог',
    sp_dermatologist: 'дерматолог', sp_otolaryngologist: 'лор-дарыгер',
    f_doctor: 'дарыгер', f_days: 'күндөр', f_hours: 'сааттар', f_number: 'консультация', f_text: 'корутундунун тексти',
    f_link: 'шилтеме', f_on_duty: 'кезмет', f_file: 'файл',
    r_too_large: 'ал өтө чоң', r_empty: 'ал бош', r_unsupported: 'PDF, JPEG, PNG же HEIC гана',
    err_no_clinic: 'Бул жерде клиника жок: бот бул процессте иштеп жаткан жок.',
    err_bad_body: 'Суроо түшүнүксүз.', err_missing: 'Толтуруңуз: {field}.', err_bad_field: 'Текшериңиз: {field}.',
    err_unknown_speciality: 'Белгисиз адистик.', err_duty_speciality: 'Терапевттер менен педиатрлар гана кезметте болот (1-тиркеме).',
    err_doctor_name: 'Дарыгердин атын көрсөтүңүз.', err_no_doctor: 'Тизмеде {doctor} дарыгер жок.',
    err_bad_weekdays: '«{value}» күндөрү түшүнүксүз: mon-fri, sat,sun же daily деп жазыңыз.',
    err_bad_hours: '«{value}» сааттары түшүнүксүз: мисалы, 09:00-13:30 деп жазыңыз, толук же жарым саат менен, аягы башынан кийин.',
    err_roster_not_empty: 'Дарыгерлердин тизмеси бош эмес.', err_no_consultation: '{number} консультация жок.',
    err_not_duty_doctor: '{doctor} дарыгер кезметте эмес.', err_nobody_waiting: 'Дарыгерди эч ким күтүп жаткан жок: {speciality}.',
    err_not_booked: '{number}: {status}, жазылган эмес.', err_not_connected: '{number}: {status}; адегенде кошулуңуз.',
    err_conclusion_text: 'Корутундунун текстин жазыңыз.', err_conclusion_long: 'Корутунду {limit} белгиден узун.',
    err_conclusion_file: 'Файл кабыл алынган жок: {reason}.',
    err_bad_link: 'Кошулуу шилтемеси https:// же http:// менен башталган веб-дарек болушу керек.',
    err_bad_day: 'Күн туура эмес жазылган.', err_unknown_action: 'Белгисиз аракет.',
    err_network: 'Эмулятор жеткиликсиз; кайра аракет кылыңыз.',
  },
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

// A clinic pane word in the chosen user's language, {placeholders} filled from `values`.
export function clinicLabel(key, values = {}) {
  const text = CLINIC[language][key] ?? CLINIC.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

export function hasClinicLabel(key) {
  return key in CLINIC.en;
}

export function timeZone() {
  return ZONES[language];
}

export function locale() {
  return language === 'en' ? undefined : language;
}
