"""Hand-written name lists for the demo world.

The families of Utrecht and Dordrecht: Dutch names next to names common in
families with roots in Morocco, Turkey, Suriname, the Antilles, Syria,
Eritrea, Somalia, Afghanistan, Poland, Bulgaria and Ukraine. A family's name
group only drives which first names, surname and home language the demo
picks together, so a family looks consistent; the group itself is never
stored (the product stores no ethnicity or migration background).

Written by hand on purpose: Faker is a development dependency and is not
available when ``demo_data`` runs in production-like settings.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NameGroup:
    key: str
    girls: tuple[str, ...]
    boys: tuple[str, ...]
    women: tuple[str, ...]
    men: tuple[str, ...]
    surnames: tuple[str, ...]
    # Languages spoken at home besides (or instead of) Dutch, most likely first.
    languages: tuple[str, ...]
    # Chance that a parent needs an interpreter for a conversation with school.
    interpreter_chance: float
    # Mothers in this group often keep their own surname.
    mother_keeps_surname: bool = False


# fmt: off
DUTCH = NameGroup(
    key="dutch",
    girls=(
        "Emma", "Julia", "Tess", "Sophie", "Zoë", "Mila", "Sara", "Evi", "Noor", "Lotte", "Fleur",
        "Lieke", "Anna", "Roos", "Isa", "Femke", "Jasmijn", "Liv", "Nova", "Saar", "Floor", "Maud",
        "Elin", "Yara", "Fenna", "Lynn", "Sanne", "Eva", "Loïs", "Vera",
    ),
    boys=(
        "Noah", "Sem", "Liam", "Lucas", "Daan", "Levi", "Finn", "Luuk", "Milan", "Bram", "Thijs",
        "Jesse", "Sam", "Ruben", "Stijn", "Jens", "Siem", "Mees", "Thomas", "Tim", "Lars", "Max",
        "Gijs", "Joep", "Teun", "Tygo", "Niek", "Dex", "Jurre", "Hidde",
    ),
    women=(
        "Marieke", "Annemieke", "Saskia", "Linda", "Esther", "Ingrid", "Monique", "Petra",
        "Marloes", "Judith", "Karin", "Sandra", "Wendy", "Ilse", "Miriam", "Anouk",
    ),
    men=(
        "Jeroen", "Mark", "Erik", "Bas", "Martijn", "Pieter", "Wouter", "Sander", "Dennis", "Frank",
        "Marcel", "Joost", "Rob", "Arjen", "Koen", "Niels",
    ),
    surnames=(
        "de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer",
        "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker",
        "Brouwer", "de Wit", "Dijkstra", "Smits", "de Graaf", "van der Meer", "van Dijk", "Kok",
        "Verhoeven", "van Vliet", "Willems", "Vermeulen", "van Wijk", "Prins", "Huisman", "Kuipers",
        "van Veen", "Post", "van Rijn", "Schouten", "Hoekstra", "Koster", "van Doorn", "Verbeek",
        "de Jong", "van der Linden", "Molenaar",
    ),
    languages=("Nederlands",),
    interpreter_chance=0.0,
)

MOROCCAN = NameGroup(
    key="moroccan",
    girls=(
        "Yasmina", "Nour", "Imane", "Aya", "Malak", "Hiba", "Sara", "Lina", "Ikram", "Salma",
        "Dounia", "Hajar", "Rania", "Meryem", "Soumaya", "Safae", "Amira", "Ilham", "Nisrine",
    ),
    boys=(
        "Mohamed", "Adam", "Ayoub", "Amine", "Bilal", "Yassine", "Ilias", "Rayan", "Zakaria",
        "Anas", "Hamza", "Younes", "Soufiane", "Mehdi", "Nordin", "Ismail", "Reda", "Badr",
    ),
    women=(
        "Fatima", "Khadija", "Naima", "Samira", "Malika", "Rachida", "Hanane", "Latifa", "Najat",
        "Saida", "Zineb", "Karima", "Touria",
    ),
    men=(
        "Abdelkader", "Mustafa", "Ahmed", "Rachid", "Hassan", "Driss", "Mimoun", "Abdel", "Khalid",
        "Aziz", "Youssef", "Said", "Hicham",
    ),
    surnames=(
        "El Amrani", "Benali", "El Idrissi", "Bouzid", "Ouali", "El Khatib", "Azzouzi", "Boukhari",
        "El Haddouchi", "Amrani", "Chaouch", "Tahiri", "Aarab", "El Bouazzaoui", "Ait Taleb",
        "Essadki", "Lamrani", "Bouchtaoui", "Ziani", "El Mourabit", "Achahbar",
    ),
    languages=("Tamazight", "Arabisch"),
    interpreter_chance=0.3,
    mother_keeps_surname=True,
)

TURKISH = NameGroup(
    key="turkish",
    girls=(
        "Elif", "Zeynep", "Defne", "Ecrin", "Eylül", "Azra", "Esma", "Melek", "Ela", "Nehir",
        "Yağmur", "Büşra", "Irem", "Selin", "Hira",
    ),
    boys=(
        "Emir", "Yusuf", "Mert", "Kerem", "Efe", "Burak", "Emre", "Ömer", "Berat", "Arda", "Eymen",
        "Kaan", "Furkan", "Enes", "Alperen",
    ),
    women=("Ayşe", "Fatma", "Emine", "Hatice", "Gülsen", "Sevgi", "Nurcan", "Derya", "Hülya"),
    men=("Mehmet", "Ahmet", "Mustafa", "Hüseyin", "Ibrahim", "Osman", "Murat", "Serkan", "Erdal"),
    surnames=(
        "Yilmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yildiz", "Öztürk", "Aydin", "Arslan", "Doğan",
        "Kiliç", "Aslan", "Korkmaz", "Koç", "Kurt", "Özdemir", "Polat", "Erdoğan",
    ),
    languages=("Turks",),
    interpreter_chance=0.25,
)

SURINAMESE = NameGroup(
    key="surinamese",
    girls=("Shanaya", "Naomi", "Kayla", "Anjali", "Priya", "Zoey", "Jaylinn", "Shania", "Romy"),
    boys=("Jayden", "Dylano", "Rishi", "Jaivey", "Quincy", "Xavi", "Darnell", "Vishal", "Ravi"),
    women=("Sharmila", "Marisa", "Jennifer", "Sunita", "Gracia", "Rosita", "Denise"),
    men=("Ramesh", "Glenn", "Rudi", "Sunil", "Errol", "Ricardo", "Clyde"),
    surnames=(
        "Ramdin", "Sewnath", "Bisoen", "Kartosen", "Pinas", "Wijngaarde", "Ramsaran", "Jurgens",
        "Tjon A Fat", "Sitaldin", "Kromodimedjo", "Mahabier", "Zeefuik",
    ),
    languages=("Sranantongo", "Sarnami"),
    interpreter_chance=0.0,
)

ANTILLEAN = NameGroup(
    key="antillean",
    girls=("Shayenne", "Jurelis", "Naïlah", "Gianna", "Yuliana", "Kiara"),
    boys=("Jurgen", "Giovanni", "Shurendy", "Jeremy", "Ruthmilo", "Kenley"),
    women=("Eldrid", "Migna", "Sharline", "Yolanda", "Ruthsela"),
    men=("Eugene", "Edsel", "Rignald", "Shurman", "Glenn"),
    surnames=("Martina", "Rosalia", "Isenia", "Maduro", "Cijntje", "Pieternella", "Sambo"),
    languages=("Papiaments",),
    interpreter_chance=0.05,
)

SYRIAN = NameGroup(
    key="syrian",
    girls=("Rahaf", "Lama", "Joud", "Sidra", "Haya", "Tala", "Maya", "Ghazal", "Leen"),
    boys=("Omar", "Ahmad", "Khaled", "Hussam", "Karam", "Yamen", "Majd", "Ammar", "Tareq"),
    women=("Rasha", "Hala", "Nisreen", "Dima", "Reem", "Manal"),
    men=("Bassam", "Walid", "Fadi", "Ziad", "Mazen", "Samer"),
    surnames=(
        "Al Hassan", "Alkhatib", "Haddad", "Darwish", "Al Masri", "Kabbani", "Alhamoud", "Sabbagh",
        "Al Jasem", "Hamdan",
    ),
    languages=("Arabisch", "Koerdisch"),
    interpreter_chance=0.55,
)

ERITREAN = NameGroup(
    key="eritrean",
    girls=("Selam", "Helen", "Senait", "Lidia", "Yordanos", "Ruta", "Mekdes"),
    boys=("Yonas", "Dawit", "Filmon", "Robel", "Merhawi", "Natnael", "Samuel"),
    women=("Tsega", "Almaz", "Letebrhan", "Mebrat", "Saba"),
    men=("Tesfay", "Habtom", "Kidane", "Mussie", "Yemane"),
    surnames=("Tesfamariam", "Ghebremedhin", "Kidane", "Habte", "Woldemichael", "Berhane"),
    languages=("Tigrinya",),
    interpreter_chance=0.7,
)

SOMALI = NameGroup(
    key="somali",
    girls=("Hodan", "Ayaan", "Sagal", "Ifrah", "Hibo", "Nasra"),
    boys=("Abdirahman", "Mahad", "Liban", "Hamza", "Yahye", "Abdullahi"),
    women=("Faadumo", "Sahra", "Hawa", "Asha", "Maryan"),
    men=("Abdi", "Mohamud", "Hassan", "Ismail", "Yusuf"),
    surnames=("Warsame", "Farah", "Osman", "Jama", "Abdi", "Hersi", "Mohamed"),
    languages=("Somalisch",),
    interpreter_chance=0.5,
)

AFGHAN = NameGroup(
    key="afghan",
    girls=("Mahsa", "Parwana", "Zahra", "Marwa", "Shabnam", "Roya"),
    boys=("Ahmad Shah", "Mustafa", "Ali", "Farid", "Sohail", "Elias"),
    women=("Fariba", "Nasrin", "Shirin", "Habiba", "Gulalai"),
    men=("Jawad", "Hamid", "Najib", "Rahim", "Wahid"),
    surnames=("Ahmadi", "Hosseini", "Rahimi", "Sultani", "Noorzai", "Karimi", "Safi"),
    languages=("Dari", "Pasjtoe"),
    interpreter_chance=0.6,
)

POLISH = NameGroup(
    key="polish",
    girls=("Zuzanna", "Julia", "Hanna", "Maja", "Natalia", "Wiktoria", "Oliwia"),
    boys=("Jakub", "Szymon", "Kacper", "Filip", "Mateusz", "Antoni", "Igor"),
    women=("Agnieszka", "Katarzyna", "Magdalena", "Monika", "Joanna"),
    men=("Piotr", "Tomasz", "Krzysztof", "Marcin", "Paweł"),
    surnames=("Kowalski", "Nowak", "Wiśniewski", "Wójcik", "Kamińska", "Lewandowski", "Zając"),
    languages=("Pools",),
    interpreter_chance=0.35,
)

BULGARIAN = NameGroup(
    key="bulgarian",
    girls=("Viktoria", "Aleksandra", "Gergana", "Nikol", "Daria"),
    boys=("Georgi", "Dimitar", "Ivan", "Nikolai", "Martin"),
    women=("Desislava", "Radka", "Snezhana", "Milena"),
    men=("Stoyan", "Plamen", "Hristo", "Todor"),
    surnames=("Ivanov", "Petrova", "Georgiev", "Dimitrov", "Stoyanova", "Nikolov"),
    languages=("Bulgaars", "Turks"),
    interpreter_chance=0.5,
)

UKRAINIAN = NameGroup(
    key="ukrainian",
    girls=("Sofiia", "Anastasiia", "Polina", "Yeva", "Kateryna", "Mariia"),
    boys=("Maksym", "Artem", "Bohdan", "Denys", "Oleksandr", "Matvii"),
    women=("Olena", "Iryna", "Tetiana", "Natalia", "Oksana"),
    men=("Andrii", "Serhii", "Volodymyr", "Dmytro", "Oleh"),
    surnames=("Shevchenko", "Kovalenko", "Bondarenko", "Tkachenko", "Melnyk", "Kravchenko"),
    languages=("Oekraïens", "Russisch"),
    interpreter_chance=0.6,
)

GROUPS = {
    group.key: group
    for group in (
        DUTCH, MOROCCAN, TURKISH, SURINAMESE, ANTILLEAN, SYRIAN, ERITREAN, SOMALI, AFGHAN, POLISH,
        BULGARIAN, UKRAINIAN,
    )
}

# Relative weights of the name groups among the families a tutoring programme
# reaches in each city (invented, roughly following each city's make-up).
FAMILY_WEIGHTS = {
    "GM0344": {  # Utrecht
        "dutch": 14, "moroccan": 30, "turkish": 14, "surinamese": 6, "antillean": 3, "syrian": 9,
        "eritrean": 6, "somali": 4, "afghan": 4, "polish": 4, "bulgarian": 2, "ukrainian": 4,
    },
    "GM0505": {  # Dordrecht
        "dutch": 18, "moroccan": 14, "turkish": 18, "surinamese": 5, "antillean": 10, "syrian": 8,
        "eritrean": 5, "somali": 3, "afghan": 3, "polish": 8, "bulgarian": 5, "ukrainian": 3,
    },
}

# Volunteers: many students and retired people, the city's own mix too.
VOLUNTEER_WEIGHTS = {
    "dutch": 60, "moroccan": 12, "turkish": 7, "surinamese": 6, "antillean": 2, "syrian": 4,
    "eritrean": 2, "somali": 1, "afghan": 2, "polish": 2, "bulgarian": 1, "ukrainian": 1,
}

# Extra languages volunteers speak (Dutch always).
VOLUNTEER_EXTRA_LANGUAGES = ("Engels", "Duits", "Frans", "Spaans")

# Names of teachers and IB'ers mentioned in notes and source details.
TEACHER_NAMES = (
    "juf Marieke", "juf Esra", "meester Kees", "juf Fatima", "meester Joris", "juf Anouk",
    "meester Hamid", "juf Linda", "juf Ilse", "meester Bart", "mevrouw Özkan", "meneer Verhoef",
    "mevrouw El Hamdaoui", "meneer de Bruijn",
)

# Older Dutch first names, for retired volunteers.
RETIREE_WOMEN = (
    "Gerda", "Ria", "Annie", "Joke", "Wilma", "Truus", "Ineke", "Marijke", "Hannie", "Elly",
    "Tineke", "Corrie", "Lenie", "Anneke",
)
RETIREE_MEN = (
    "Henk", "Kees", "Jan", "Gerard", "Wim", "Hans", "Piet", "Ton", "Frits", "Cor", "Rinus", "Bert",
    "Theo", "Ad",
)
# fmt: on
