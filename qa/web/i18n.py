"""Every string the web UI shows, in Russian and English, in one catalogue.

The language comes from the ``lang`` cookie (set by ``/lang/{code}``), else the browser's Accept-Language."""

from __future__ import annotations

LANGUAGES = ("en", "ru")

CATALOGUE: dict[str, tuple[str, str]] = {  # key: (en, ru)
    "app": ("Call QA", "Контроль качества звонков"),
    "calls": ("Calls", "Звонки"),
    "operators": ("Operators", "Операторы"),
    "my_scorecard": ("My scorecard", "Моя карточка"),
    "reviews": ("Reviews", "Разборы"),
    "campaigns": ("Mystery shopper", "Тайный покупатель"),
    "playlists": ("Playlists", "Плейлисты"),
    "logout": ("Log out", "Выйти"),
    "login": ("Log in", "Войти"),
    "username": ("Login", "Логин"),
    "password": ("Password", "Пароль"),
    "search": ("Search transcripts", "Поиск по расшифровкам"),
    "filter": ("Filter", "Показать"),
    "operator": ("Operator", "Оператор"),
    "team": ("Team", "Команда"),
    "period": ("Period", "Период"),
    "from": ("From", "С"),
    "to": ("To", "По"),
    "status": ("Status", "Статус"),
    "language": ("Language", "Язык"),
    "score": ("Score", "Оценка"),
    "min_score": ("Score from", "Оценка от"),
    "max_score": ("Score to", "Оценка до"),
    "failed_criterion": ("Failed criterion", "Проваленный критерий"),
    "needs_review": ("Needs review", "Нужна проверка"),
    "any": ("any", "любой"),
    "started": ("Started", "Начало"),
    "duration": ("Duration", "Длительность"),
    "file": ("File", "Файл"),
    "no_calls": ("No calls match.", "Нет подходящих звонков."),
    "hits": ("Matches in transcripts", "Найдено в расшифровках"),
    "transcript": ("Transcript", "Расшифровка"),
    "scorecard": ("Scorecard", "Карточка оценки"),
    "total": ("Total", "Итог"),
    "criterion": ("Criterion", "Критерий"),
    "machine": ("Machine", "Автомат"),
    "human": ("Human", "Человек"),
    "confidence": ("Confidence", "Уверенность"),
    "evidence": ("Evidence", "Доказательства"),
    "override": ("Override", "Изменить вердикт"),
    "reason": ("Reason", "Причина"),
    "save": ("Save", "Сохранить"),
    "speed": ("Speed", "Скорость"),
    "no_audio": ("No recording for this call (an imported transcript).", "У звонка нет записи (импортированная расшифровка)."),
    "no_scorecard": ("Not scored yet.", "Ещё не оценён."),
    "agent": ("Agent", "Оператор"),
    "customer": ("Customer", "Клиент"),
    "unknown": ("Unknown", "Неизвестно"),
    "silence": ("Silence / hold", "Тишина / ожидание"),
    "overtalk": ("Overtalk", "Перебивание"),
    "order": ("Order", "Заказ"),
    "comments": ("Comments", "Комментарии"),
    "team_compare": ("Compared with the team", "Сравнение с командой"),
    "rank": ("Rank", "Место"),
    "figure": ("Figure", "Показатель"),
    "value": ("Value", "Значение"),
    "trend": ("Trend", "Динамика"),
    "history": ("By period", "По периодам"),
    "session": ("Session", "Разбор"),
    "reviewer": ("Reviewer", "Проверяющий"),
    "summary": ("Summary", "Итог"),
    "acknowledge": ("Acknowledge", "Ознакомлен"),
    "dispute": ("Dispute", "Оспорить"),
    "disputes": ("Disputes", "Споры"),
    "transcript_removed": ("The transcript was removed (erasure request or retention); the scores stay. Removed on",
                           "Расшифровка удалена (по запросу на удаление или по сроку хранения); оценки сохранены. Удалена"),
    "title": ("Title", "Название"),
    "audience": ("Audience", "Для кого"),
    "purpose": ("Purpose", "Цель"),
    "create": ("Create", "Создать"),
    "clips": ("Clips", "Фрагменты"),
    "owner": ("Owner", "Автор"),
    "no_playlists": ("No playlists yet.", "Плейлистов пока нет."),
    "no_clips": ("No clips yet: add them with `qa playlist add` or from suggestions.", "Фрагментов пока нет: добавьте их через `qa playlist add`."),
    "redacted_note": ("Personal data is masked in the text and muted in the audio.", "Персональные данные скрыты в тексте и заглушены в записи."),
    "listened": ("listened", "прослушано"),
    "mark_listened": ("Mark as listened", "Прослушал(а)"),
    "listened_by": ("Listened by", "Прослушали"),
    "move": ("Move", "Переставить"),
    "remove": ("Remove", "Убрать"),
    "series": ("Series", "Серия"),
    "staff_informed": ("Staff informed", "Сотрудники предупреждены"),
    "yes": ("yes", "да"),
    "no": ("no", "нет"),
    "no_campaigns": ("No campaigns yet: qa shopper campaign create.", "Кампаний пока нет: qa shopper campaign create."),
    "entries": ("Entries", "Анкеты"),
    "shopper_score": ("Shopper", "Покупатель"),
    "machine_score": ("Machine", "Автоматически"),
    "rating": ("Rating", "Оценка сервиса"),
    "scenario": ("Scenario", "Сценарий"),
    "area": ("Checklist area", "Блок анкеты"),
    "waves": ("Waves", "Волны"),
    "agreement": ("Shopper–machine agreement", "Согласие покупателя и автоматики"),
    "assignments": ("Assignments", "Задания"),
    "shopper": ("Shopper", "Покупатель"),
    "forbidden": ("You may not see this.", "У вас нет доступа."),
    "not_found": ("Not found.", "Не найдено."),
    "bad_request": ("That request was refused.", "Запрос отклонён."),
    "back": ("Back", "Назад"),
    "calls_count": ("Calls", "Звонков"),
    "no_reviews": ("No review sessions.", "Разборов нет."),
    "pick": ("Pick", "Выбор"),
    "pick_lowest": ("lowest scores", "худшие оценки"),
    "pick_random": ("random", "случайно"),
    "pick_uncertain": ("needs review", "нужна проверка"),
    "pick_failed": ("failed criterion", "проваленный критерий"),
    "open_review": ("Open a review", "Начать разбор"),
    "close_review": ("Close the review", "Завершить разбор"),
    "actions": ("Agreed actions, one per line", "Договорённости, по одной в строке"),
    "upheld": ("upheld", "оставить"),
    "overturned": ("overturned", "отменить"),
    "note": ("Note for the operator", "Ответ оператору"),
    "pass": ("pass", "да"),
    "fail": ("fail", "нет"),
    "na": ("n/a", "н/п"),
}


def pick_language(cookie: str | None, accept_language: str | None) -> str:
    if cookie in LANGUAGES:
        return cookie
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
        if code == "uk":  # Ukrainian readers get Russian before English
            return "ru"
    return "en"


def translator(language: str):
    index = LANGUAGES.index(language) if language in LANGUAGES else 0

    def t(key: str) -> str:
        return CATALOGUE[key][index] if key in CATALOGUE else key

    return t
