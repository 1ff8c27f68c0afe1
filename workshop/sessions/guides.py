"""A short facilitator's guide per process unit (seed 000: "Planung einer Maßnahme – Vorprozess"):
goal, guiding questions, pitfalls. It prefills the console's private notes of every step of a
session of that unit, until the facilitator writes their own.
"""

from __future__ import annotations

GUIDES: dict[int, dict[str, str]] = {
    1: {
        "de": "Ziel: den Rahmen der Maßnahme setzen – vorhandene Projektansätze zusammenführen, den "
        "Maßnahmenumfang festlegen, erste zentrale (transformatorische) Fragestellungen finden.\n"
        "Leitfragen: Was gehört dazu, was ausdrücklich nicht? Welche Ansätze gibt es schon, in welchem "
        "Ressort, auf welcher Ebene? Welche Frage muss die Maßnahme beantworten?\n"
        "Stolpersteine: zu früh über Lösungen reden; Umfang offen lassen; nur ein Ressort am Tisch.",
        "en": "Goal: set the frame of the measure – bring existing project approaches together, fix the "
        "scope, find the first central (transformative) questions.\n"
        "Guiding questions: What is in, what is explicitly out? Which approaches exist already, in which "
        "department, at which level? Which question must the measure answer?\n"
        "Pitfalls: talking about solutions too early; leaving the scope open; only one department present.",
    },
    2: {
        "de": "Ziel: internes und externes Wissen zu Umfang und Fragestellungen zusammenführen, damit die "
        "richtigen Fragen gestellt und Abhängigkeiten verstanden werden.\n"
        "Leitfragen: Was wissen wir intern, was wissen andere (Städte, Forschung, Praxis)? Wovon hängt "
        "die Maßnahme ab, wer hängt von ihr ab? Welche Best Practices passen?\n"
        "Stolpersteine: nur Bekanntes sammeln; Abhängigkeiten übersehen; Cluster zu früh benennen.",
        "en": "Goal: bring internal and external knowledge on scope and questions together, so the right "
        "questions are asked and dependencies understood.\n"
        "Guiding questions: What do we know internally, what do others know (cities, research, practice)? "
        "What does the measure depend on, what depends on it? Which best practices fit?\n"
        "Pitfalls: collecting only what is known; missing dependencies; naming clusters too early.",
    },
    3: {
        "de": "Ziel: die Maßnahme ressort- und ebenenübergreifend auf der vorbereiteten Struktur formulieren "
        "und die Umsetzung gemeinsam vorbereiten; das Umsetzungsteam formt sich.\n"
        "Leitfragen: Was steht in jedem Feld des Steckbriefs? Wer gehört ins Projektteam? Was sind die "
        "nächsten Schritte, wer macht was bis wann?\n"
        "Stolpersteine: Felder leer lassen; Aufgaben ohne Namen; das Team erst später bilden wollen.",
        "en": "Goal: formulate the measure across departments and levels on the prepared structure and "
        "prepare its implementation together; the implementation team forms.\n"
        "Guiding questions: What goes into each field of the record? Who belongs to the project team? "
        "What are the next steps, who does what by when?\n"
        "Pitfalls: leaving fields empty; tasks without names; postponing the team.",
    },
    4: {
        "de": "Ziel: die politischen Leitungen der beteiligten Verwaltungen erteilen das Mandat für die "
        "nötigen Ressourcen und setzen das Umsetzungsteam formell ein.\n"
        "Leitfragen: Welche Ressourcen braucht die Umsetzung? Welche Option trägt mit dem geringsten "
        "Widerstand? Was fehlt noch für ein Mandat?\n"
        "Stolpersteine: Entscheidung ohne klare Optionen; Widerstand nicht aufdecken; Ressourcen offen lassen.",
        "en": "Goal: the political leadership of the administrations involved grants the mandate for the "
        "resources needed and formally establishes the implementation team.\n"
        "Guiding questions: Which resources does implementation need? Which option carries with the least "
        "resistance? What is still missing for a mandate?\n"
        "Pitfalls: deciding without clear options; not revealing resistance; leaving resources open.",
    },
    5: {
        "de": "Ziel: die breite Öffentlichkeit über den ganzen Prozess analog und digital einbeziehen.\n"
        "Leitfragen: Was bewegt die Menschen an diesem Vorhaben? Was fehlt aus ihrer Sicht? Wie erfahren "
        "sie, was aus ihren Beiträgen wird?\n"
        "Stolpersteine: Fachsprache; Beiträge ohne Rückmeldung; nur die Lautesten hören.",
        "en": "Goal: involve the broad public throughout the process, analog and digital.\n"
        "Guiding questions: What concerns people about this project? What is missing from their view? "
        "How will they learn what becomes of their contributions?\n"
        "Pitfalls: jargon; contributions without feedback; hearing only the loudest.",
    },
}


def guide_for(unit: int | None) -> dict[str, str] | None:
    return GUIDES.get(unit) if isinstance(unit, int) else None
