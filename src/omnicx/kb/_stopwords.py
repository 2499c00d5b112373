"""Stop words for the languages the channels see most: words that say nothing about a topic.

Short lists of articles, pronouns, auxiliaries, prepositions and conjunctions
(the core of Snowball's lists), written casefolded. Question words and
negations stay out: "why was I charged" and "can't log in" need them less than
a search engine would, but the lists stay small so nothing topical is lost.
"""

from __future__ import annotations

__all__ = ["STOP_WORDS"]

_EN = """
a about above after again against all am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further
had has have having he her here hers herself him himself his how i if in into is it its itself
just me more most my myself no nor of off on once only or other our ours ourselves out over own
same she should so some such than that the their theirs them themselves then there these they
this those through to too under until up very was we were what when where which while who whom
why will with would you your yours yourself yourselves im ive id dont cant wont didnt doesnt isnt
please hi hello thanks thank get got also still yet
"""

_ES = """
a al algo algunas algunos ante antes como con contra cual cuando de del desde donde durante e el
ella ellas ellos en entre era erais eran eras eres es esa esas ese eso esos esta estaba estado
estais estamos estan estar estas este esto estos estoy fue fueron fui fuimos ha habeis haber
habia han has hasta hay he hemos la las le les lo los me mi mis mucho muy nada ni nos nosotros o
os otra otro para pero poco por porque que quien se sea ser si sin sobre sois somos son soy su
sus también te tengo ti tiene tu tus un una uno unos usted ustedes vosotros y ya yo él mí qué
cómo cuándo dónde está están hola gracias favor
"""

_PT = """
a ao aos as até com como da das de dela dele deles depois do dos e ela elas ele eles em entre era
eram essa essas esse esses esta estas este estes eu foi fomos for foram há isso isto já lhe lhes
mais mas me mesmo meu meus minha minhas muito na nas nem no nos nós o os ou para pela pelas pelo
pelos por qual quando que quem se sem ser seu seus sua suas também te tem tenho teu tua um uma
umas uns você vocês vos à às é está estão estou olá obrigado obrigada favor pra
"""

_DE = """
aber alle allem allen aller alles als also am an ander andere auch auf aus bei bin bis bist da
damit dann das dass dein deine dem den der des dich die dies diese diesem diesen dieser dieses
dir doch dort du durch ein eine einem einen einer eines er es etwas euch euer für hab habe haben
hat hatte hier ich ihm ihn ihr ihre im in ist ja jede jedem jeden jeder jedes jetzt kann man mein
meine mich mir mit muss nach noch nun nur ob oder sehr sein seine sich sie sind so soll um und uns
unser unter vom von vor war waren was weil wenn wer wie wieder will wir wird wo zu zum zur über
hallo danke bitte
"""

STOP_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(_EN.split()),
    "es": frozenset(_ES.split()),
    "pt": frozenset(_PT.split()),
    "de": frozenset(_DE.split()),
}
"""Stop words by language subtag; a language not here keeps every word."""
