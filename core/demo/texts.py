"""Dutch texts for the demo world: what project leaders, IB'ers and volunteers write.

These are data, not interface strings, so they are not translated: a demo
of a Dutch product shows what Dutch users would have typed.
"""

from __future__ import annotations

# --- referrals ------------------------------------------------------------
SUPPORT_WHAT = {
    "language": (
        "Woordenschat uitbreiden en meer durven spreken in de klas.",
        "Begrijpend lezen: de hoofdgedachte van een tekst vinden.",
        "Oefenen met spreken en luisteren, vooral schooltaal.",
        "Hulp bij lezen en begrijpen van opdrachten bij wereldoriëntatie.",
        "Plezier in lezen krijgen; leest thuis nooit een boek.",
    ),
    "homework": (
        "Hulp bij plannen van huiswerk en leren voor toetsen.",
        "Structuur in het maken van huiswerk, thuis is geen rustige plek.",
        "Ondersteuning bij rekenen en verhaaltjessommen.",
        "Leren leren: samenvatten en overhoren.",
    ),
    "study_skills": (
        "Plannen, agenda bijhouden en leren voor toetsen.",
        "Werkhouding en zelfvertrouwen; geeft snel op.",
        "Rekenen en begrijpend lezen, achterstand van ongeveer een jaar.",
    ),
}

SUPPORT_WHY = (
    "Ouders spreken weinig Nederlands en kunnen thuis niet helpen.",
    "Leerling is twee jaar geleden naar Nederland gekomen en loopt achter met taal.",
    "De toetsresultaten voor begrijpend lezen dalen al twee jaar.",
    "Leerling is stil in de klas en durft geen vragen te stellen.",
    "Moeder staat er alleen voor en heeft weinig tijd.",
    "Na de overstap naar groep 6 gaat het minder goed; het tempo is hoog.",
    "Het gezin woont krap, er is thuis geen rustige plek om te leren.",
    "Achterstand opgelopen door veel verzuim vorig jaar.",
)

SUPPORT_TRIED = (
    "Extra leesbegeleiding in een kleine groep, twee keer per week.",
    "Gesprekken met ouders met een tolk; ouders willen graag meewerken.",
    "Pre-teaching van woorden voor wereldoriëntatie.",
    "Huiswerkklas op school, maar daar is geen plek meer.",
    "Remedial teaching in groep 5, met wisselend resultaat.",
    "Nog niets buiten de klas; de leerkracht doet wat kan.",
)

NEEDS = (
    "Rustige, geduldige begeleider; leerling moet eerst vertrouwen krijgen.",
    "Liefst begeleiding thuis zodat moeder kan meekijken.",
    "Houdt van voetbal en dieren; lezen over die onderwerpen werkt goed.",
    "Heeft een broertje dat ook op de wachtlijst staat.",
    "Kan alleen op woensdagmiddag en vrijdagmiddag.",
    "Vader werkt in ploegendienst; afspraken via moeder.",
    "",
    "",
)

WIJKTEAMS = {
    "GM0344": (
        "Buurtteam Overvecht",
        "Buurtteam Kanaleneiland",
        "Buurtteam Zuilen",
        "Buurtteam Lombok",
        "Buurtteam Hoograven",
    ),
    "GM0505": ("Sociaal wijkteam Krispijn", "Sociaal wijkteam Wielwijk", "Sociaal wijkteam Oost"),
}

DECLINE_REASONS = (
    "Leerling valt buiten de doelgroep: de ondersteuningsvraag past beter bij logopedie.",
    "De school biedt zelf al intensieve begeleiding; dubbel aanbod is niet nodig.",
    "Leerling woont buiten de gemeente.",
    "Ondersteuningsvraag vraagt om professionele hulp, doorverwezen naar het wijkteam.",
)
LINA_DECLINE_REASON = (
    "Ouders zijn na het driehoeksgesprek niet akkoord gegaan met de afspraken "
    "(aanwezigheid bij de evaluaties)."
)
WITHDRAW_REASONS = (
    "Ouders hebben de aanmelding ingetrokken: leerling krijgt bijles via familie.",
    "Gezin is verhuisd naar een andere stad.",
    "Leerling wil niet meer; ouders respecteren dat.",
    "School heeft de aanmelding ingetrokken: het gaat inmiddels goed in de klas.",
)
STOP_REASONS = (
    "Leerling kwam steeds niet opdagen; na overleg met ouders gestopt.",
    "Gezin is verhuisd.",
    "Leerling had geen motivatie meer; in overleg met school gestopt.",
    "Ouders hebben de afspraken niet nagekomen.",
    "Begeleiding gestopt tijdens de schoolsluiting; online lukte niet.",
)
PRIORITY_REASONS = (
    "Toetsresultaten verder gedaald, school vraagt om voorrang.",
    "Thuissituatie is veranderd; wijkteam vraagt om snelle start.",
    "Leerling gaat na de zomer naar het voortgezet onderwijs.",
)

# --- driehoeksgesprek and plan van aanpak ---------------------------------
AGREEMENTS = (
    "Leerling werkt wekelijks in de groep aan rekenen; de mentor stuurt vooraf de stof.",
    "Leerling oefent thuis tien minuten per dag met de woordenlijst.",
    "School en Lina spreken elkaar elke zes weken over de voortgang.",
    "Leerling neemt zijn agenda mee naar elke bijeenkomst.",
)
PARENT_CONDITIONS = (
    "Ouders zorgen dat hun kind elke week aanwezig is en melden afwezigheid vooraf.",
    "Ouders komen naar de tussenevaluatie en de eindevaluatie.",
    "Ouders zorgen thuis voor een rustige plek en tijd om te leren.",
)
GOALS = (
    ("Maakt binnen zes weken de stof voor de rekentoets af.", "leerling en begeleider"),
    ("Haalt bij de volgende toets begrijpend lezen minimaal een voldoende.", "leerling"),
    ("Houdt zelf een planning bij in de agenda en laat die elke week zien.", "leerling"),
    ("Stelt in de klas minstens één vraag per dag.", "leerling en leerkracht"),
    ("Leest thuis vier keer per week een kwartier.", "ouders"),
    ("Kent de tafels van 1 tot en met 10 foutloos.", "leerling en begeleider"),
    ("Bespreekt elke maand met de mentor hoe het gaat.", "mentor"),
)
GOAL_NOTES = {
    "achieved": ("Doel gehaald, mooie groei.", "Ruim gehaald.", ""),
    "partly": ("Op de goede weg, nog niet helemaal.", "Gaat beter, blijft aandacht vragen.", ""),
    "not_achieved": ("Niet gelukt; doel aangepast voor de volgende periode.", ""),
}

# --- matches and contact moments ------------------------------------------
SESSION_NOTES = (
    "Samen een boek uit de bibliotheek gekozen en het eerste hoofdstuk gelezen.",
    "Geoefend met woorden van de woordenlijst; ging goed.",
    "Huiswerk voor aardrijkskunde gemaakt, daarna een taalspel.",
    "Planning voor de toetsweek gemaakt.",
    "Moeilijke dag, weinig concentratie. Volgende week korter oefenen.",
    "Verhaaltjessommen geoefend; lezen van de opgave blijft lastig.",
    "Spreekbeurt voorbereid over Marokko, trots op het resultaat.",
    "Voorgelezen en samen samengevat.",
    "Tafels geoefend met een spel, veel plezier.",
    "Geoefend met begrijpend lezen: vragen bij een nieuwsbericht.",
)
ABSENT_NOTES = (
    "Leerling was ziek.",
    "Niemand thuis; moeder later gebeld.",
    "Leerling vergeten, had voetbaltraining.",
    "",
)
CANCEL_NOTES = ("Begeleider ziek.", "Begeleider had tentamen.", "Begeleider op vakantie.", "")
TEACHER_NOTES = {
    "start": (
        "Kennismaking met de leerkracht; afgesproken waar de focus ligt.",
        "Mentor gemaild: leerling heeft vooral moeite met schooltaal.",
        "Kort overleg met de IB'er over de doelen.",
    ),
    "mid": (
        "Tussentijds contact met de leerkracht: ziet vooruitgang in de klas.",
        "Mentor ziet betere cijfers voor Nederlands.",
        "Leerkracht vraagt om extra aandacht voor rekenen.",
    ),
    "end": (
        "Afsluitend gesprek met de leerkracht; leerling durft meer.",
        "Eindcontact met mentor; advies om met lezen door te gaan.",
    ),
}
PARENT_NOTES = (
    "Moeder gebeld over de planning; ze is blij met de begeleiding.",
    "Vader was bij de sessie en keek mee.",
    "Met tolk gesproken over hoe het thuis gaat met lezen.",
    "Ouders uitgenodigd om bij de bibliotheek een pasje te halen.",
    "Korte terugkoppeling na de sessie aan moeder.",
)
MATCH_END_NOTES = {
    "completed": ("Traject afgerond, certificaat uitgereikt.", "Mooi afgerond met een feestje."),
    "pupil_stopped": ("Leerling is gestopt.",),
    "moved": ("Gezin is verhuisd.",),
    "volunteer_stopped": ("Vrijwilliger is gestopt; leerling terug naar de wachtlijst.",),
}
EVALUATION_SUMMARIES = {
    "mid": (
        "Goede klik met de begeleider. Leerling leest vaker zelf.",
        "Vooruitgang in woordenschat; plannen blijft lastig.",
        "Leerling komt trouw, ouders zijn betrokken.",
        "Wisselende opkomst; afspraken met ouders opnieuw gemaakt.",
    ),
    "end": (
        "Leerling is zichtbaar zelfverzekerder en haalt betere cijfers.",
        "Doelen grotendeels gehaald; advies: blijven lezen in de zomer.",
        "Traject afgerond. Ouders en school zijn tevreden.",
        "Deels gehaald; school zet de begeleiding in de klas voort.",
    ),
}

# --- volunteers -------------------------------------------------------------
VOLUNTEER_SUBJECTS = (
    "Nederlands",
    "Begrijpend lezen",
    "Rekenen",
    "Wiskunde",
    "Engels",
    "Aardrijkskunde",
    "Geschiedenis",
    "Biologie",
    "Plannen en leren",
)
VOLUNTEER_INTAKE_NOTES = (
    "Student pedagogiek, wil ervaring opdoen met taalbegeleiding.",
    "Gepensioneerd leerkracht, veel ervaring met groep 6 tot 8.",
    "Werkt parttime, beschikbaar op woensdagmiddag.",
    "Spreekt zelf Arabisch; kan ouders goed te woord staan.",
    "Student geneeskunde, goed in exacte vakken.",
    "Heeft zelf als kind begeleiding gehad en wil iets terugdoen.",
)
VOLUNTEER_STOP_REASONS = (
    "Afgestudeerd en verhuisd.",
    "Nieuwe baan, geen tijd meer.",
    "Persoonlijke omstandigheden.",
    "Verhuisd naar het buitenland.",
)
VOLUNTEER_PAUSE_REASONS = ("Stage in het buitenland.", "Tentamenperiode.", "Zorg voor familielid.")
