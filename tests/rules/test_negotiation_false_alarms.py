"""The negotiations rule on the false-alarm classes of its third pass: talks that are a
sanctions story's procedure or aim, domestic government formation, a club or federation and its
coach, a company as the counterparty, and an ambassador's credentials; and true talks beside
them that must still match."""

from __future__ import annotations

import pytest

from monitor.rules.matcher import Matcher
from tests.rules.verdicts import case_ids, fires

CASES = [  # (language, title, body, whether negotiations must match)
    ("en", "EU agrees new sanctions package against Russia",
     "EU ambassadors agreed the 18th sanctions package against Russia on Friday after "
     "weeks of negotiations with Slovakia and Hungary.", False),
    ("de", "EU einigt sich auf neues Sanktionspaket",
     "Nach wochenlangen Verhandlungen haben sich die EU-Staaten auf das 18. Sanktionspaket"
     " gegen Russland geeinigt, teilte die dänische Ratspräsidentschaft mit.", False),
    ("fr", "L'UE adopte un nouveau paquet de sanctions",
     "Après des semaines de négociations, les ambassadeurs de l'UE ont approuvé le nouveau"
     " paquet de sanctions contre la Russie.", False),
    ("ro", "",
     "Guvernul Statelor Unite a anunțat sancțiuni asupra Rosneft și Lukoil pentru a presa "
     "Moscova să negocieze un acord de pace cu Ucraina.", False),
    ("de", "Union und SPD beginnen Sondierungen",
     "CDU, CSU und SPD haben in Berlin mit den Sondierungen begonnen; die Gespräche sollen"
     " bis Ende der Woche dauern.", False),
    ("fr", "Belgique : le formateur reprend les négociations",
     "Le formateur Bart De Wever a relancé mardi les négociations avec les cinq partis de "
     "l'Arizona.", False),
    ("es", "Sánchez negocia su investidura con Junts",
     "El PSOE y Junts continúan las negociaciones para la investidura de Pedro Sánchez en "
     "Bruselas.", False),
    ("nl", "Formatie: onderhandelingen tussen vier partijen hervat",
     "De onderhandelingen over de regeringsvorming tussen PVV, VVD, NSC en BBB zijn "
     "hervat.", False),
    ("it", "La Federcalcio tratta con l'allenatore",
     "La federazione è in trattative con l'allenatore italiano per la panchina della "
     "nazionale.", False),
    ("pl", "Klub negocjuje z trenerem",
     "Legia Warszawa prowadzi negocjacje z trenerem z Niemiec w sprawie nowego kontraktu.", False),
    ("en", "Indonesia in talks with Tesla",
     "Indonesia is in early talks with the carmaker about a battery plant, the investment "
     "minister said.", False),
    ("it", "Il ministero negozia con Pirelli",
     "Il governo italiano negozia con l'azienda Pirelli e con l'azionista cinese Sinochem.", False),
    ("es", "",
     "La presidenta recibió las cartas credenciales de los embajadores de Francia y "
     "Alemania en encuentros privados.", False),
    ("en", "",
     "The ambassador of Japan presented his credentials to President Lula in a meeting at "
     "the Planalto palace.", False),
    ("en", "Brazil in talks with Ancelotti",
     "The Brazilian football federation is in negotiations with Italian coach Carlo "
     "Ancelotti to lead Brazil at the World Cup in the United States.", False),
    ("pl", "",
     "Polski klub prowadzi negocjacje z trenerem z Niemiec i Austrii w sprawie kontraktu.", False),
    ("sv", "",
     "Sveriges förbund förhandlar med den danske tränaren om ett nytt avtal med Danmark.", False),
    ("en", "Indonesia in talks with Tesla",
     "Indonesia is in talks with the US carmaker on a nickel deal, Indonesian and American"
     " officials said.", False),
    ("es", "",
     "Venezuela negociará con las petroleras estadounidenses tras la licencia de Estados "
     "Unidos.", False),
    ("fr", "",
     "Le formateur belge poursuit les négociations avec les partis flamands et wallons à "
     "Bruxelles sur la formation du gouvernement fédéral.", False),
    ("es", "",
     "El PSOE negocia en Bruselas con Junts la investidura de Sánchez y la amnistía para "
     "Cataluña y España.", False),
    ("de", "",
     "Die Sondierungen zwischen Union und SPD in Berlin betreffen auch die Ukraine und die"
     " Beziehungen zu den USA.", False),
    ("it", "",
     "La Federcalcio tratta con l'allenatore per la nazionale: l'Italia punta al Mondiale "
     "in Usa, Canada e Messico.", False),
    ("tr", "",
     "Kulüp, Portekizli teknik direktörle müzakere ediyor; Türkiye ve Portekiz basını "
     "yazdı.", False),
    ("ru", "",
     "Клуб ведёт переговоры с тренером из Испании о работе в России.", False),
    # true talks beside these words, which must still match
    ("fr", "",
     "L'Iran et les États-Unis ont repris les négociations à Mascate sur la levée des "
     "sanctions.", True),
    ("de", "",
     "Russland und die Ukraine verhandeln in Istanbul; Moskau fordert die Aufhebung der "
     "Sanktionen.", True),
    ("en", "US and China reach TikTok framework in Madrid trade talks",
     "US and Chinese negotiators agreed a framework on TikTok in Madrid, where trade talks "
     "between the two countries covered the company's US business and tariffs.", True),
    ("de", "Gasstreit: Russland und Ukraine verhandeln in Brüssel",
     "Russland und die Ukraine verhandeln unter Vermittlung der EU über den Gastransit; die "
     "Unternehmen Gazprom und Naftogaz sind dabei.", True),
    ("es", "Estados Unidos y México negocian aranceles",
     "Los gobiernos de Estados Unidos y México negocian aranceles al acero que afectan a las "
     "empresas de ambos países.", True),
    ("en", "",
     "Israel and Hamas negotiators met in Doha for ceasefire talks as Netanyahu's coalition "
     "partners threatened to quit the government.", True),
    ("en", "US and Iran resume nuclear talks in Oman",
     "US and Iranian negotiators met in Muscat for a new round of nuclear talks on "
     "sanctions relief.", True),
    ("es", "La UE acelera el nuevo paquete de sanciones para presionar en las negociaciones de paz",
     "La Unión Europea prepara nuevas sanciones contra Rusia mientras Estados Unidos y "
     "Ucrania negocian un plan de paz.", True),
    ("de", "USA und China setzen Handelsgespräche fort",
     "Die USA und China wollen ihre Verhandlungen über Zölle in Genf fortsetzen, sagte "
     "Finanzminister Bessent.", True),
    ("pl", "Rozmowy pokojowe w Stambule",
     "Delegacje Rosji i Ukrainy rozpoczęły w Stambule negocjacje w sprawie zawieszenia "
     "broni.", True),
]


@pytest.mark.parametrize(("lang", "title", "body", "want"), CASES, ids=case_ids(CASES))
def test_negotiations_on_its_false_alarm_classes(shipped: Matcher, lang: str, title: str,
                                                 body: str, want: bool) -> None:
    assert fires(shipped, "negotiations", lang, title, body) is want
