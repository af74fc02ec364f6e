"""Reading a person's own words to customer service: act, review or nothing (SPEC §4, ARCHITECTURE "inbox").

The reply's own words come first (quotes, forwarded headers, signatures and footers cut), then sentences and
clauses, each read for its wish (leave / keep), negation before it, the lists it names, and whose address it
concerns. A few named rules decide over those readings; each returns the reason it gives. The safe outcome is
the default: *act* only on a confident reading, *review* whenever list-removal words appear without one, *nothing*
only when no such words appear (removal verbs plainly about an order, an item, a card or a password may end there).

The vocabulary is data, per language, in `inbox_cues.py`."""

import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from itertools import pairwise

from .inbox_cues import CUES

EMAIL, POSTAL, SHARING = "email", "postal", "partner_sharing"
ORDER = (EMAIL, POSTAL, SHARING)
PHONE = "phone"  # calls and text messages: no list of this system's, named only to send a wish about them to a person


class Outcome(StrEnum):
    ACT = "act"
    REVIEW = "review"
    NOTHING = "nothing"


@dataclass(frozen=True)
class Reading:
    outcome: Outcome
    scopes: tuple[str, ...] = ()  # what to leave now (act), or what a human should consider (review)
    reason: str = ""
    cues: tuple[str, ...] = ()  # "kind:cue" for every cue that decided, without the person's other words
    erase: bool = False  # the person asked for erasure: an operator decides (review, action `erase`)
    someone_else: bool = False  # the words may concern another person: nobody's address is suggested


# --- folding and cues ---------------------------------------------------------------------------------------------

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "’": "'", "‘": "'", "´": "'", "`": "'"})


def fold(text: str) -> str:
    """Lower case, umlauts written out, other accents dropped: the form the cues are written in."""
    lowered = text.lower().translate(_FOLD)
    return "".join(c for c in unicodedata.normalize("NFKD", lowered) if not unicodedata.combining(c))


@cache
def cue_pattern(kind: str) -> re.Pattern[str]:
    fragments = [f for language in CUES[kind].values() for f in language]
    # longest first, so that "unsubscribe" is reported rather than a shorter cue inside it
    alternatives = "|".join(f"(?:{f})" for f in sorted(fragments, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def found(kind: str, text: str) -> list[re.Match[str]]:
    return list(cue_pattern(kind).finditer(text))


# --- the person's own words ---------------------------------------------------------------------------------------

_QUOTE_HEADER = re.compile(
    r"^\s*((on|am|le|el|il|op|em)\s.{0,200}(wrote|schrieb|a ecrit|escribio|ha scritto|schreef|escreveu)\s*:?\s*$|"
    r"-{2,}\s*(original message|urspruengliche nachricht|message d'origine|mensaje original|messaggio originale)"
    r"\s*-{2,}|"
    r"-{2,}\s*(forwarded message|weitergeleitete nachricht|message transfere|mensaje reenviado)\s*-{2,}|"
    r"begin forwarded message:|debut du message (reexpedie|transfere)\s*:|inicio del mensaje reenviado:|"
    r"anfang der weitergeleiteten nachricht:|"
    r"_{10,}\s*$|"
    r"(from|von|de|da|envoye par)\s?:\s.*(@|\[mailto:).*$)",
    re.IGNORECASE,
)
# German mail clients put the writer after the verb: "Am Fr., 7. Juni 2024 um 18:30 schrieb Name <a@b>:". The line
# is dropped and reading goes on, the `>` lines after it skipped: an answer below the quote stays the writer's own.
_HEADER_LINE = re.compile(r"^\s*am\s.{0,200}\d{1,2}:\d{2}.{0,40}schrieb\s(?!ich\b)[^<]{0,120}<[^>\s]+@[^>\s]+>\s*:\s*$")
# a mobile footer ends with the device, or a word or three after it ("Sent from my iPhone", "Von meinem iPhone
# gesendet", "Enviado desde mi Samsung Galaxy S21"); "Sent from my phone as your link fails." is the writer's
_SIGNATURE = re.compile(
    r"^\s*(--\s*|__+|"
    r"(sent|envoye|enviado|gesendet|von meinem|get outlook|obtener outlook|telecharger outlook)\b.{0,40}"
    r"(iphone|ipad|android|samsung|galaxy|mobile|phone|movil|celular|telephone|portable|handy|smartphone|outlook|"
    r"huawei|xiaomi|pixel|blackberry)\b(\W+\w+){0,3}\W*)$",
    re.IGNORECASE,
)
# a legal footer says what it is; "This email is to ask you to unsubscribe me" and "Please consider the environment
# and stop the catalogs" are the writer's words
_DISCLAIMER = re.compile(
    r"^\s*(\**\s*)?(confidential\b|confidentiality|disclaimer|legal (disclaimer|notice)|important( notice)?:|"
    r"privacy notice|the contents? of this (e-?mail|message)|aviso de (confidencialidad|privacidad)|datenschutzhinweis|"
    r"conformement (a|au|aux|a la) |"
    r"this (e-?mail|message|e-?mail message)( and any| is (confidential|private|privileged)|( is)? intended "
    r"(solely|only|exclusively|for the (addressee|named|intended|recipient|use|sole))| contains "
    r"(confidential|privileged)| may contain)|"
    r"the information (contained in|in) this (e-?mail|message)|"
    r"este (mensaje|correo)( y sus| es (confidencial|privado|para uso)| contiene (informacion )?"
    r"(confidencial|privilegiad)"
    r"| electronico (y|es|contiene))|aviso legal|confidencial\b|"
    r"le contenu de ce (courriel|message|mail)|"
    r"ce (message|courriel|mail)( et (ses|toutes)| est (confidentiel|strictement|destine)| contient "
    r"(des informations )?"
    r"(confidenti|privilegi))|avertissement|"
    r"diese (e-?mail|nachricht)( enthaelt (vertrauliche|moeglicherweise)| ist (vertraulich|ausschliesslich|nur fuer)| "
    r"kann (vertrauliche|rechtlich))|vertraulich\b|haftungsausschluss|"
    r"please consider the environment before|piense en el medio ambiente antes|pensez a l'environnement avant|"
    r"bitte denken sie an die umwelt,? (bevor|ehe))",
    re.IGNORECASE,
)


_GREETING = re.compile(
    r"^\W*(hello|hi|hey|dear|good (morning|afternoon|evening)|hola|buen[oa]s( dias| tardes| noches)?|estimad[oa]s?|"
    r"bonjour|bonsoir|salut|madame|monsieur|hallo|guten (tag|morgen|abend)|sehr geehrte\w*|liebe\w*|moin|servus|"
    r"gruess gott|to whom it may concern)\b[^.?]{0,60}$"
)


# the writer speaking: "Conformément au RGPD, je vous demande…", "This message is intended to have my account deleted"
# a line that asks or adds to a request: "please", "merci de", "as well", "auch"
_ASKING = re.compile(
    r"\b(please|pls|kindly|bitte|merci de|s'il vous plait|svp|por favor|as well|too|also|either|auch|ebenfalls|"
    r"aussi|egalement|tambien|ademas)\b"
)
_MINE = re.compile(
    r"\b(i|me|my|we|us|our|ich|mich|mir|mein\w*|wir|uns|unser\w*|je|j'|moi|m'|mon|ma|mes|nous|nos|notre|yo|mi|mis|"
    r"nosotr[oa]s|nuestr[oa]s?)\b"
)


def own_words(text: str) -> str:
    """The writer's new text: no `>` lines, nothing from the first quote or forward header, signature delimiter,
    mobile footer or legal disclaimer on. A first line that only looks like a footer and itself asks to leave or erase
    ("Confidential: please remove me", "Sent from my phone, please unsubscribe me") is the writer's."""
    return _cut(text)[0]


def own_words_and_footer_asks(text: str) -> tuple[str, bool]:
    """The writer's own words, and whether words cut below them as a footer ask, in the writer's voice, to leave or
    erase ("… Important: no more catalogs for us either", "This message is intended solely as an erasure request.
    Please delete my account"): then no reading of the words above it is confident."""
    own, below = _cut(text)
    return own, any(list_vocabulary(line) and (_MINE.search(line) or _ASKING.search(line)) for line in below)


def _cut(text: str) -> tuple[str, list[str]]:
    """The writer's own words, and the folded lines cut off below them as a footer (up to a quote or forward)."""
    kept: list[str] = []
    lines = text.splitlines()
    for index, line in enumerate(lines):
        folded = fold(line)
        if _QUOTE_HEADER.match(folded):
            return "\n".join(kept), []
        footer = bool(_SIGNATURE.match(folded) or _DISCLAIMER.match(folded))
        if footer and not folded.strip().startswith(("--", "__")):
            written = any(part.strip() and not _GREETING.match(fold(part)) for part in kept)
            if not written and (found("leave", folded) or found("erase", folded)):
                footer = False  # "Confidential: please remove me"
        if footer:
            below = []
            for rest in lines[index:]:
                folded_rest = fold(rest)
                if _QUOTE_HEADER.match(folded_rest):
                    break
                if not rest.lstrip().startswith(">"):
                    below.append(folded_rest)
            return "\n".join(kept), below
        if line.lstrip().startswith(">") or _HEADER_LINE.match(folded):
            continue
        kept.append(line)
    return "\n".join(kept), []


_SUBJECT_PREFIX = re.compile(r"^\s*((re|aw|fw|fwd|wg|tr|rv|enc|r|sv|antw|ref)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)


def subject_words(subject: str) -> str:
    """A subject counts as the writer's own words only when it is not a reply to or forward of other mail."""
    return "" if _SUBJECT_PREFIX.match(subject or "") else subject or ""


# --- clauses ------------------------------------------------------------------------------------------------------

_SENTENCES = re.compile(r"(?<=[.!?;¡¿])\s+|\n+|(?<=[!?])(?=\w)")
# contrast splits a sentence into clauses read apart ("stop the emails, but the catalog is fine")
_CONTRAST = re.compile(
    r",?\s+\b(but|however|although|though|while|whereas|pero|sin embargo|aunque|mientras|mais|cependant|"
    r"toutefois|par contre|en revanche|alors que|tandis que|aber|jedoch|allerdings|sondern|waehrend|dagegen)\b"
    r"|\s*,\s*(?=doch\b)"  # ", doch den Katalog …"; "melden Sie mich doch ab" is a particle
    r"|\s*,\s*(?=(?:and |y |et |und )?(?:the|your|el|la|los|las|le|les|der|die|das|den|ihre?n?)\b)"
    r"|\s*,\s*(?=(?:just|only|solo|solamente|seulement|juste|nur|bloss|simplement)\b)"
)


@dataclass
class Clause:
    text: str
    leave: list[str] = field(default_factory=list)
    keep: list[str] = field(default_factory=list)
    channels: set[str] = field(default_factory=set)
    sublists: list[str] = field(default_factory=list)
    negated: bool = False
    asked_why: bool = False
    mistake: bool = False
    conditional: bool = False
    erase: list[str] = field(default_factory=list)
    other_person: list[str] = field(default_factory=list)
    everything: bool = False
    weak_email: bool = False  # names only "list", "mailing list", "mail": email unless the message is about post
    in_subject: bool = False  # the writer's own subject line ("Catalog"): it names what the message is about
    reported: bool = False  # tells of a removal made before ("I unsubscribed a while back")
    back_in: bool = False  # asks to be added again ("please put me back on the list")
    mentioned: set[str] = field(default_factory=set)  # lists named beside an objection, neither left nor kept
    erase_doubt: bool = False  # erasure words around an order or an address in the account: which, a person reads
    erase_unsure: bool = False  # erasure words in a sentence that negates, asks, tells of the past or sets a condition
    sentence: str = ""  # the whole sentence the clause was cut from
    aimed_elsewhere: bool = False  # leaving words aimed at an order, a delivery or a product ("… from the coffee")
    prefers: bool = False  # a preference or consent: "email me instead", "no objection to sharing"
    moved: bool = False  # a change of address: "not to my old address, I now live at …"


_EVERYTHING = re.compile(
    r"\b((from|of|stop|cancel|to) everything|everything (off|stop\w*)|"
    r"all (your |of your |the )?(lists|mailings?|mail|communications?|correspondence|contact)|"
    r"any (more )?(mail|communications?|contact)|from all (of it|your lists|lists)|all of it|de todo|"
    r"todas (sus |las )?(listas|comunicaciones)|"
    r"cualquier (tipo de )?(comunicacion|correo)|de tout|toutes (vos |les )?(listes|communications)|"
    r"von allem|alles (abbestellen|abmelden|stoppen|einstellen)|allen (ihren )?(listen|verteilern)|"
    r"jegliche (werbung|post|zusendungen)|saemtliche\w*)\b"
)


_BARE_WISH = re.compile(
    r"^\W*(please |pls |por favor |bitte |s'il vous plait |svp )?(stop|stopp|unsubscribe|arret|arrete[zr]?|"
    r"baja|remove me|remove|unsub|abmelden|austragen|desabonner|desinscription)"
    r"\W*(please|pls|now|thanks|thank you|por favor|bitte|merci|danke|svp|ya|jetzt|sofort)?\W*$"
)
_OWN_DATA = re.compile(
    r"\b(my|our|mis|mi|nuestros|mes|mon|ma|meine\w*|unsere\w*) (\w+ )?(name|address|details|data|information|info|"
    r"datos|direccion|nombre|informacion|donnees|adresse|nom|coordonnees|informations|anschrift|adresse|daten|"
    r"namen|kontaktdaten)\b"
    # the sharing named as a thing: "opt-out of information sharing", "cesion de datos", "Datenweitergabe"
    r"|\b(information|data|address|details) (sharing|disclosure)\b|\b(cesion|comparticion) de (mis )?datos\b"
    r"|\bpartage (des|de mes) (donnees|coordonnees)\b|\bdatenweitergabe\b"
)


# a postal word that names the address, not the mail: in a sharing clause, what is shared
_POSTAL_ADDRESS = re.compile(
    r"\b(postal (address|code)|adresse postale|code postal|direccion postal|codigo postal|postanschrift|postadresse)\b"
)
# between a leaving word and what it leaves: a preposition and a few words, no punctuation
_PREPOSITION = r"(from|of|off|de|del|des|du|von|aus|a|au)"
_LEAVING_WHAT = re.compile(rf"\s*((me|us|mich|uns|moi) )?{_PREPOSITION}\b[^,.;:!?]{{0,40}}$")
_ENDS_WITH_PREPOSITION = re.compile(rf"\b{_PREPOSITION}$")


def _in_postal_phrase(text: str, mail: re.Match[str], postal: list[re.Match[str]]) -> bool:
    """ "postal mail", "correo postal": a mail word that is one phrase with a postal one is the post."""
    return any(
        (p.start() < mail.end() and mail.start() < p.end())  # one inside the other
        or text[p.end() : mail.start()] == " "
        or text[mail.end() : p.start()] == " "
        for p in postal
    )


def _aimed(text: str, leave: re.Match[str], thing: re.Match[str]) -> bool:
    """Whether the leaving words aim at `thing`, named right after them: "unsubscribe from the Plus membership",
    "me desabonner de la livraison de cafe"."""
    if thing.start() < leave.end():
        return False
    gap = text[leave.end() : thing.start()]
    if _ENDS_WITH_PREPOSITION.search(leave.group(0)):
        return bool(re.fullmatch(r"[^,.;:!?]{0,40}", gap))
    return bool(_LEAVING_WHAT.match(gap))


# a wish pointing back at something named before it: "unsubscribe me from that one"
_POINTING_BACK = re.compile(
    r"\b(from|of|off) (that|this|it|that one|this one)\b|\bde (eso|esa|ese|esto|ca|cela)\b|"
    r"\b(unsubscri\w*|cancel|remove|delete) (it|that|this|them)\b"
)
# who a name and address would go to, named as companies: not "anyone" or "nobody"
_PARTNERS = re.compile(
    r"\b(partners|partnerfirmen|partnerunternehmen|\w+partnern?|partenaires|third part(y|ies)|tiers|tierces|terceros|"
    r"dritte|dritte(n)? (firmen|unternehmen|anbieter|parteien)|drittfirmen|drittunternehmen|drittanbieter\w*|"
    r"(other|andere\w*|autres|otras|otros) "
    r"(companies|firms|businesses|firmen|unternehmen|societes|entreprises|empresas))\b"
)
# a negation aimed at the partners: "nicht an Drittfirmen", "not to other companies" (not "nicht von Drittfirmen")
_NOT_TO = re.compile(r"\b(nicht|not|no|pas|ne) (an|to|para|a|zu) (\w+ )?$")
# "je ne veux pas que …", "I don't want …": a refusal that makes names at the partners a wish about sharing
_REFUSING_WISH = re.compile(
    r"\b(ne (veux|souhaite|desire) pas|(don'?t|do not|never) want|no (quiero|deseo)|"
    r"(will|moechte|wuensche) (\w+ )?nicht)\b"
)
# an address word beside a channel word: what is shared, not a list
_EMAIL_ADDRESS = re.compile(
    r"\b((e-?mail|correo( electronico)?) (address|adresse)|adresse (e-?mail|electronique|mail)|"
    r"direccion de (correo|e-?mail)( electronico)?|e-?mail-?adresse)\b"
)
# erasure words about all of it: "my account and all order history deleted", "Konto inklusive aller Bestellungen"
_WHOLE = re.compile(
    r"\b(all (my |of my |the )?(data|personal \w+|information|details|history|order history)|"
    r"(inklusive|samt|einschliesslich|including|and|y|et|und) (all\w* |aller |todo\w* |tou\w* )?(\w+ )?"
    r"(daten|data|bestellungen|orders?|order history|history|historique|historial|donnees|datos|commandes|pedidos))\b"
)
# a verb that names the channel: "stop emailing me about the catalog" leaves email, not the catalog it mentions
_EMAIL_VERB = re.compile(r"\b(e-?mailing|e-?mail me|(an|zu|anzu)?mailen|anzumailen|anmailen)\b")
# an address word that is not an email address: "meine Adresse aus Ihrer Kartei" names no list
_BARE_ADDRESS = re.compile(
    r"\b(my|meine|mon|ma|mi) (adresse|anschrift|address|direccion)\b(?! (e-?mail|electronique|de (correo|e-?mail)))"
)
# a leaving word aimed at the account: "remove my email address from my account" edits the account
_FROM_ACCOUNT = re.compile(
    r"\b(from|in|aus|von|de|dans|en|del) (my|mein\w*|mon|mi|dem|ihrem) (\w+ )?"
    r"(account|konto|kundenkonto|compte|cuenta)\b"
)
_PAYMENT = re.compile(r"\b(\w*karte\w*|cards?|tarjetas?|cartes? bancaires?|zahlungs\w*|payment)\b")
_OBJECTION = re.compile(
    r"\b(object\w*|oppos\w*|widersp\w*|widerruf\w*|opong\w*|untersag\w*|verbiet\w*|interdi\w*|prohib\w*)"
)
_REFUSAL = re.compile(
    r"\b(stop|forbid|prohibit|object\w*|refuse|oppos\w*|cesse|interdi\w*|prohib\w*|untersag\w*|verbiet\w*|"
    r"widersp\w*|sperr\w*|opong\w*|niego)"
)


_DATA_WORD = re.compile(r"\b(data|details|information|info|daten|angaben|donnees|coordonnees|datos|informacion)\b")
_FROM_WHAT = re.compile(
    r"\s*\b(from|off|vom|von|aus|de|du|des|del)\s+(all |allen |tous |toutes |todos |todas )?"
    r"(the |your |my |dem |der |den |ihrem |ihrer |ihren |eurem |votre |vos |ma |mon |"
    r"mes |su |sus |mi |la |el |los |las |le |les |l')?(?P<thing>\w+)"
)
# where a person's data may be erased from: the store's records, not a parcel label or a post
_RECORDS = frozenset(
    [
        "account",
        "kundendatei",
        "datei",
        "dateien",
        "kundendaten",
        "unterlagen",
        "records",
        "data",
        "daten",
        "donnees",
        "datos",
        "accounts",
        "konto",
        "kundenkonto",
        "database",
        "databases",
        "datenbank",
        "datenbanken",
        "system",
        "systems",
        "systemen",
        "records",
        "files",
        "file",
        "kartei",
        "fichier",
        "fichiers",
        "base",
        "bases",
        "sistema",
        "sistemas",
        "registros",
        "archivos",
        "server",
        "servers",
        "servern",
        "company",
        "unternehmen",
        "firma",
        "compte",
        "cuenta",
        "website",
        "site",
        "webseite",
        "shop",
        "store",
        "tienda",
        "boutique",
        "registres",
        "dossier",
        "dossiers",
    ]
)


def _from_a_thing(text: str, erasing: re.Match[str]) -> bool:
    """ "remove my details from the gift note", "meine Daten vom Paketaufkleber loeschen": data erased from a thing."""
    data = _DATA_WORD.search(erasing.group(0))
    if data is None:
        return False
    # the thing named inside the erasure words ("meine Daten vom Paketaufkleber loeschen") or right after them
    where = _FROM_WHAT.match(text, erasing.start() + data.end()) or _FROM_WHAT.match(text, erasing.end())
    return where is not None and where.group("thing") not in _RECORDS


_MOVING = re.compile(
    r"\b((old|former|previous|alte[nrm]?|fruehere[nrm]?|ancienne?|antigu[oa]|anterior) "
    r"(address|adresse|anschrift|direccion)|"
    r"now live|moved to|j'habite maintenant|ahora vivo|neue adresse|nouvelle adresse|nueva direccion|new address|"
    r"umgezogen|demenage|me mude)\b"
)
_ABOUT = re.compile(
    r"\b(about|regarding|on|sur|concernant|sobre|acerca del?|ueber|zum|zur|zu)\s+"
    r"(the |your |our |a |le |la |les |votre |"
    r"vos |du |el |la |los |las |su |sus |del |den |dem |die |das |ihren |ihrem |ihre |unseren )?(\w+ )?$"
)
# a sentence asking rather than requesting: "Will unsubscribing also stop the catalogs?", "Abmelden? Nein!" — a
# polite request is phrased as a question too ("Can you unsubscribe me?", "¿Me pueden quitar de la lista?")
_POLITE = re.compile(
    r"^\W*(please |pls |kindly |bitte |por favor |s'il vous plait )?"
    r"((can|could|would|will) (you|u)|would it be possible)\b|"
    r"^\W*(would you mind|kindly|please|bitte|(koenn|kann|wuerd|duerft)\w* (sie|ihr|du)|(pourr|pouv|voudr)\w* ?-?vous|"
    r"est-ce que vous (pouvez|pourriez)|(me |nos )?(pueden|podrian|puede|podria|podeis|podrias|puedes)|por favor)\b"
)


_OPENING = re.compile(r"^\W*(hey|hi|hello|yo|hallo|moin|servus|hola|buenas|bonjour|salut|coucou)\b\W*")
# what a question asks when it is not a request: "Will unsubscribing also stop the catalogs?", "Unsubscribe? Never!"
_CONSEQUENCE = re.compile(
    r"^\W*(will|would|does|do|is|wird|wuerde|bringt|macht|est-ce que|va|sera)\b|"
    r"\b(also|too|as well|auch|aussi|tambien|ebenfalls)\b"
)


# a question for information: "Should I unsubscribe…?", "Pouvez-vous m'expliquer comment…?", "¿Tengo que…?"
_INFORMATION = re.compile(
    r"\b(should i|do i (have|need)|muss ich|soll ich|dois-je|faut-il|tengo que|debo|hay que|explain|expliquer|info|"
    r"auskunft|renseignement|informacion|"
    r"erklaer\w*|explicar|tell me|dites-moi|diganme|sagen sie mir|what happens|que pasa|que se passe-t-il|"
    r"was passiert)\b"
)


def _asked(sentence: str) -> bool:
    asking = _OPENING.sub("", sentence).strip()
    if not asking.endswith("?"):
        return False
    if _INFORMATION.search(asking):
        return True
    return not _POLITE.match(asking) and (len(asking.split()) == 1 or bool(_CONSEQUENCE.search(asking)))


# a threat, not a request: "je me desabonne si vous continuez", "me dare de baja si siguen"
_THREAT = re.compile(
    r"\b(if you|if they|unless you|wenn (sie|ihr|das)|falls|sofern|si vous|si (siguen|continuan|sigue|continua)|"
    r"si ustedes|a menos que|a moins que)\b"
)
_UNLESS = re.compile(
    r"\b(unless|otherwise|a menos que|a no ser que|de lo contrario|a moins que|sinon|sonst|andernfalls|"
    r"one more \w+|noch (ein|eine|einen) \w+ (und|dann)|un\w* \w+ de plus et|otr[oa] \w+ (mas )?y|"
    r"i'?ll (unsubscribe|opt out|cancel)|another \w+ (like (this|that) )?and|encore un\w* \w+ (comme (ca|cela) )?et|"
    r"ein\w* \w+ mehr,? und|un\w* \w+ mas (asi |como este )?y|should this \w+ continue|if (this|it) (continues|keeps|"
    r"goes on)|no choice but|wenn das so weitergeht|si (ca|cela) continue|si esto sigue|si je (recois|reçois) encore|"
    r"si me (llega|llegan) (otro|otra|mas)|if i (get|receive) (another|one more|any more)|"
    r"if (the|this|it|your) (\w+ )?(doesn'?t|does not|won'?t|will not) stop|the moment another|"
    r"(ready|about) to (hit )?unsub\w*)\b"
)
_MESSAGE_WORD = re.compile(r"e-?mail|mail|message|correo( electronico)?|mensaje|nachricht|courriel")
_ADVERTISING = re.compile(r"\s+(publicitaire|promotionnel|promotional|publicitari[oa]|comercial|de marketing)\b")
_TOO = re.compile(
    r"\b(too|also|as well|either|in addition|additionally|auch|ebenfalls|ausserdem|zudem|aussi|egalement|par ailleurs|"
    r"en outre|de plus|tambien|ademas|asimismo|igualmente)\b|^\W*(and|y|et|und)\b"
)
_THIS_MESSAGE = re.compile(r"\b(this|diese|este|esta|ce|cet|cette)\s*$")
_COMPARED = re.compile(r"\b(than|instead|als|stattdessen|que|au lieu|en lugar|en vez)\b")
_NOT_WANTED = re.compile(
    r"\b((is|are|was) not what i('?m| am)? (want|asked|asking)|not what i'?m asking|n'est pas ce que (je|j')|"
    r"no es lo que (quiero|pido|deseo)|(moechte|will|wuensche) ich (mich )?(\w+ ){0,5}nicht\b(?! mehr))"
)
_WITHOUT = re.compile(
    r"\b(statt|anstatt|instead of|au lieu de|en lugar de|en vez de|rather than|plutot que|without|ohne|sans|sin|"
    r"no need|inutile|pas besoin|no hace falta|no es necesario|nicht noetig|nicht notwendig)\b"
)


# erasure words told of rather than asked for: "my account has been closed", "Daten wurden geloescht", "un mail
# confirmant la suppression", "please keep my account", "can you restore it"
_TOLD = re.compile(
    r"\b(has been|have been|had been|to be|will be|was|were|got|is|are|wurde\w*|werden|worden|ist|sind|a ete|ont ete|"
    r"est|ha sido|han sido|"
    r"fue|fueron|esta|confirm\w*|reopen\w*|restor\w*|keep|wiederherstell\w*|reaktivier\w*|behalten|rouvrir|restaur\w*|"
    r"garder|recuper\w*|reactiv\w*|mantener)\b"
)
# an erasure for later, of another account, or tried by someone: "delete my account eventually", "the second
# account", "bevor ich mein Konto loesche", "someone tried to delete my data"
_NOT_NOW = re.compile(
    r"\b(eventually|later|someday|one day|before i|bevor ich|avant de|antes de|spaeter|irgendwann|plus tard|"
    r"mas adelante|tried to|versucht|essaye|intento|second|duplicate|other account|old account|zweite\w*|doppelt\w*|"
    r"anderes konto|altes konto|deuxieme|autre compte|ancien compte|segunda|otra cuenta|cuenta vieja|duplicad\w*|"
    r"en double|two accounts|zwei konten|deux comptes|dos cuentas|next (week|month|year)|naechst\w* (woche|monat)|"
    r"(la semaine|le mois) prochain|(la semana|el mes) que viene)\b"
)
_JOINED = re.compile(r"[,;:]|\b(and|und|et|y|as|because|weil|car|porque|da)\b")


def _unsure(sentence: str) -> bool:
    """Erasure words asked about, told of, given as a condition or a mistake, or turned around by a negation a few
    words before or after them ("do not delete my account", "Konto loeschen will ich nicht", "is NOT what I want"),
    not one in another part of the sentence ("close my account as I no longer shop here and erase …")."""
    if "?" in sentence or _WITHOUT.search(sentence):
        return True
    if any(found(kind, sentence) for kind in ("why", "accident", "reported", "condition")) or _NOT_NOW.search(sentence):
        return True
    for m in found("erase", sentence):
        before = _JOINED.split(sentence[: m.start()])[-1]
        after = _JOINED.split(sentence[m.end() :])[0]
        if any(found("negation", part) for part in (before, m.group(0), after)):
            return True
        near = " ".join([*before.split()[-3:], m.group(0), *after.split()[:3]])
        if _TOLD.search(near):
            return True
    return False


# a list named after the leaving words with a negation and an article before it: "unsubscribe me from the
# newsletter, not the catalog", "desabonnez-moi de la newsletter, pas du catalogue" — the list is kept
_NOT_THE = re.compile(
    r"\b(without|sans|sin|ohne) (\w+ ){0,2}$|"
    r"\b(not|pas|nicht|no) (this|este|esta|de este|de esta|de ce|de cette|ce|cette|diese[nmr]?|the|my|your|any|du|"
    r"de la|des|le|la|"
    r"les|del|de los|de las|el|los|las|den|die|das|der|dem|"
    r"ihre\w*|vos|votre|sus|su|mis|mi)\s+$"
)


def read_clause(text: str, sentence: str = "") -> Clause:
    clause = Clause(text, sentence=sentence or text)
    leaves = found("leave", text)
    names_list = found("list_topic", text) or found("email", text) or found("postal", text)
    if names_list or (found("share_verb", text) and found("others", text)):
        leaves = sorted(leaves + found("leave_if_list", text), key=lambda m: m.start())
    if _BARE_WISH.match(text):
        leaves = leaves or list(re.finditer(r"\w+", text))[:1]
    not_list = found("not_list", text)

    products = found("product", text)
    # the leaving word itself ("unsubscribe") names no list when what it leaves, right after it, is something else
    # ("unsubscribe from the Plus membership"); "unsubscribe me, my last order was wrong" still leaves a list
    aimed_at = [n for n in not_list + products if any(_aimed(text, m, n) for m in leaves)]
    aimed_elsewhere = [m for m in leaves if any(_aimed(text, m, n) for n in not_list + products)]

    def outside_not_list(matches: list[re.Match[str]]) -> list[re.Match[str]]:
        # "the booking list", "my coffee subscription", "Spar-Abo": a list word inside such a name is no list
        spans = [(n.start(), n.end()) for n in not_list + products + aimed_elsewhere]
        return [m for m in matches if not any(a <= m.start() < b for a, b in spans)]

    listy = outside_not_list(found("list_word", text)) or outside_not_list(found("list_topic", text))
    clause.aimed_elsewhere = bool(aimed_elsewhere)
    if leaves and (not_list or aimed_at) and not listy:
        leaves = []  # "abbestellen" of an item in an order, "cancel my subscription" to coffee: not a list
    clause.leave = [m.group(0) for m in leaves]
    clause.keep = [m.group(0) for m in found("keep", text)]
    clause.moved = bool(leaves and _MOVING.search(text))
    phones = found("phone", text)
    if any(p.start() < m.end() + 30 and m.start() <= p.start() for m in leaves for p in phones):
        clause.mentioned.add(PHONE)  # "don't contact me by phone", "stop sending me text messages": no list of ours
    # "delete my saved card from my account": the erasure words are about the card named before them
    erasing = found("erase", text)
    # ("Konto die gespeicherte Kreditkarte loeschen": a payment card named inside the words counts too)
    plain_erasing = [
        m for m in erasing if not any(n.start() < m.start() for n in not_list) and not _PAYMENT.search(m.group(0))
    ]
    # an order, an address or reviews inside the words: the account with its orders, or only those in it?
    # … or named right after them ("remove my details from the order", "delete my account's saved addresses")
    doubtful = [
        m
        for m in plain_erasing
        if (
            any(m.start() <= n.start() < m.end() or _aimed(text, m, n) for n in not_list)
            or text[m.end() :].startswith("'s ")
        )
        and not _WHOLE.search(m.group(0))
    ]
    doubtful += [m for m in plain_erasing if m not in doubtful and _from_a_thing(text, m)]
    clause.erase = [m.group(0) for m in plain_erasing if m not in doubtful]
    # "remove my email address from my account": an edit of the account, not a list
    clause.erase_doubt = bool(doubtful) or bool(leaves and _FROM_ACCOUNT.search(text))
    # "ohne mein Konto zu loeschen", "Das Konto loeschen moechte ich aber nicht", "Why was my account deleted?": the
    # whole sentence is read, since a contrast word may have cut the negation off into a clause of its own
    clause.erase_unsure = bool(clause.erase) and _unsure(clause.sentence)
    # "news letter" is email, not a letter; "this email is to ask you to stop the catalog" names the message itself
    emails = found("email", text)
    postal = [p for p in found("postal", text) if not any(e.start() <= p.start() < e.end() for e in emails)]
    emails = [
        e
        for e in emails
        if not (
            _MESSAGE_WORD.fullmatch(e.group(0))
            and _THIS_MESSAGE.search(text[: e.start()])
            and not _ADVERTISING.match(text, e.end())
        )
    ]
    if postal:
        clause.channels.add(POSTAL)
    if emails or (leaves and _EMAIL_VERB.search(text)):
        clause.channels.add(EMAIL)
        if leaves and _EMAIL_VERB.search(text) and POSTAL in clause.channels:
            # "stop emailing me about the catalog": the catalog is what the email is about, maybe still wanted
            clause.channels.discard(POSTAL)
            clause.mentioned.add(POSTAL)
    elif found("email_weak", text) and not postal:
        clause.weak_email = True
    elif any(not _in_postal_phrase(text, m, postal) for m in found("email_weak", text)):
        # "par mail et par courrier", "tanto correo como cartas": the mail may be the email; a person reads it
        clause.mentioned.add(EMAIL)
    if POSTAL in clause.channels and EMAIL in clause.channels and all(_ABOUT.search(text[: m.start()]) for m in postal):
        # "stop sending me emails about your catalogue sale": the catalog is what the email is about
        clause.channels.discard(POSTAL)
        clause.mentioned.add(POSTAL)
    if leaves and not clause.channels and not clause.weak_email and _OWN_DATA.search(text) and not clause.erase:
        clause.mentioned.add(SHARING)  # "arretez d'envoyer mes donnees a qui que ce soit"
    if leaves and not clause.channels and not clause.weak_email and _BARE_ADDRESS.search(text):
        clause.mentioned.add(POSTAL)  # "meine Adresse aus Ihrer Kartei entfernen": the post, or the email?
    clause.sublists = [m.group(0) for m in found("sublist", text)]
    if clause.sublists:
        clause.channels.add(EMAIL)
    shares = found("share_verb", text)
    others = found("others", text)
    own_data = _OWN_DATA.search(text)
    partners = _PARTNERS.search(text)
    if not shares and partners and own_data:
        refusing = (
            _REFUSING_WISH.search(text[: partners.start()])
            or _OBJECTION.search(text)
            or _NOT_TO.search(text[max(0, partners.start() - 20) : partners.start()])  # "nicht an Drittfirmen"
        )
        if refusing or leaves or found("negation", text):
            # "je ne veux pas que mon nom et mon adresse trainent chez vos partenaires" (no verb, maybe the same
            # wish), "… chez vos partenaires de livraison" (a parcel), "remove my name from your partners' mailing
            # lists": whether that is the sharing, a person reads
            clause.mentioned.add(SHARING)
    # consent about a list or the sharing ("no problem if you share my address with partners"), or a preference
    # between lists ("email me instead", "lieber per E-Mail als per Post"); not reading online or order mail
    named = clause.channels | clause.mentioned | ({SHARING} if shares and (others or own_data) else set())
    between = len(named | ({EMAIL} if clause.weak_email else set())) > 1 or _COMPARED.search(text)
    clause.prefers = bool(
        named and not found("transactional", text) and (found("consent", text) or (found("prefer", text) and between))
    )
    if shares and (others or own_data):
        # "do not pass my details on", "ich untersage die Weitergabe": the negation is the wish itself
        # a negation counts only before the verb ("don't share", "nicht weitergeben"), not after ("sharing with
        # partners was no issue")
        negated_share = [
            n
            for n in found("negation", text)
            if any(n.start() < s.end() and len(text[n.end() : s.start()].split()) <= 12 for s in shares)
        ]
        refused = _REFUSAL.search(text)
        refusal = negated_share or leaves or refused
        told = "?" in clause.sentence or found("transactional", text) or found("not_list", text)
        if postal and all(_POSTAL_ADDRESS.search(text[max(0, m.start() - 10) : m.end() + 10]) for m in postal):
            clause.channels.discard(POSTAL)  # "my name and postal address": what is shared, not the catalog
        if not refused and ((not negated_share and (clause.channels or told)) or (not leaves and told)):
            # "unsubscribe me from the newsletter you share with your partners" (the leaving words are about the
            # newsletter), "my address was not passed on to your delivery partners, so the parcel never arrived",
            # "… nicht an Dritte verkauft?" (a negation in a story about an order, or a question): whether the
            # sharing is refused, a person reads
            clause.mentioned.add(SHARING)
            return _finish(clause, text, leaves)
        clause.channels.add(SHARING)
        if refusal and not found("why", text):
            clause.leave = clause.leave or [f"share:{shares[0].group(0)}"]
            # "je m'oppose a toute cession …", "I object to …": an objection aims at the sharing alone, whatever
            # else the sentence mentions ("destinataire de votre catalogue")
            objecting = bool(leaves) and all(_OBJECTION.search(m.group(0)) for m in leaves)
            if objecting or not leaves:
                # the wish aims at the sharing alone; whether the other lists the sentence names ("votre catalogue",
                # "no emails and don't sell my address") are left too, a person reads: never dropped unread
                clause.mentioned = clause.channels - {SHARING}
                clause.channels = {SHARING}
            if all(_POSTAL_ADDRESS.search(text[max(0, m.start() - 10) : m.end() + 10]) for m in postal):
                # "my name and postal address": what is shared, not the catalog
                clause.channels.discard(POSTAL)
                clause.mentioned.discard(POSTAL)
            rest = _EMAIL_ADDRESS.sub(" ", text)
            marketing = [m for m in found("list_topic", rest) if not found("others", m.group(0))]
            if _EMAIL_ADDRESS.search(text) and not (found("email", rest) or marketing):
                clause.mentioned.discard(EMAIL)  # "don't share my email address": the address, not the newsletter
            return _finish(clause, text, leaves, sharing_only=not leaves)
    return _finish(clause, text, leaves)


def _finish(clause: Clause, text: str, leaves: list[re.Match[str]], sharing_only: bool = False) -> Clause:
    clause.everything = bool(_EVERYTHING.search(text))
    clause.back_in = bool(found("resubscribe", text))
    clause.other_person = [m.group(0) for m in found("other_person", text)]
    if clause.erase and not leaves:
        # "I don't want to delete my account", "Mein Konto bitte nicht loeschen": a negation before or inside the
        # erasure words turns them around
        erasing_words = found("erase", text)
        end = erasing_words[0].end()
        clause.negated = any(m.start() < end for m in found("negation", text)) or any(
            re.match(r"\s*(bitte |doch )?(nicht|pas)\s*([.!,;]|$)", text[m.end() :])
            for m in erasing_words  # "Loescht mein Konto nicht.", not "… nicht vergessen"
        )
    if leaves and not sharing_only:
        first = leaves[0].start()
        before = text[:first]
        inside = {p for m in leaves for p in range(m.start(), m.end())}
        negations = [m for m in found("negation", text) if m.start() not in inside and m.start() < first]
        # German puts "nicht" after the verb it turns around: "ich moechte mich nicht abmelden" is covered by
        # position; "ich melde mich nicht ab" by the separable verb sitting after it
        negations += [
            m
            for m in found("negation", text)
            if m.start() not in inside and m.start() > first and re.search(r"\bnicht\s+(ab|aus)\b", text[m.start() :])
        ]
        helpless = found("cannot_find", before)
        # "I don't want to be removed": a wish that carries its own negation, then a leaving verb it turns around
        carries = [bool(found("negation", m.group(0))) for m in leaves]
        turned_around = any(c and not all(carries[i + 1 :]) for i, c in enumerate(carries))
        declined = bool(_NOT_WANTED.search(text[first:]))  # "unsubscribing is not what I want"
        clause.negated = (bool(negations) and not helpless) or turned_around or declined
        named_after = (
            found("email", text) + found("postal", text) + found("email_weak", text) + found("list_topic", text)
        )
        clause.keep += [
            f"not:{m.group(0)}" for m in named_after if m.start() > first and _NOT_THE.search(text[: m.start()])
        ]
        clause.asked_why = bool(found("why", text)) or _asked(clause.sentence)
        clause.reported = bool(found("reported", text))
        clause.mistake = bool(found("accident", text))
        clause.conditional = (
            (bool(found("condition", before)) and not helpless)
            or bool(_THREAT.search(text[first:]))
            or bool(_UNLESS.search(clause.sentence))
        )
    return clause


# A match may only start where a run of address characters starts: otherwise every position inside a long run
# without an @ scans the rest of it again, and 64 KiB of text took seconds (quadratic backtracking).
ADDRESS_IN_TEXT = re.compile(r"(?<![\w.+'-])[\w.+'-]+@[\w-]+(\.[\w-]+)+")


def clauses_of(text: str) -> list[Clause]:
    result: list[Clause] = []
    # an address read as "this address": "remove jane@example.net from the catalog" leaves like "remove me"
    for sentence in _SENTENCES.split(ADDRESS_IN_TEXT.sub("this address", fold(text))):
        for part in _CONTRAST.split(sentence):
            if part and part.strip() and not _CONTRAST.fullmatch(part):
                result += _wishes_apart(part.strip(), sentence)
    return [c for c in result if c.text]


_AND = re.compile(r"(?:,\s*|\s+)(?:and|y|e|et|und|also|aussi|ademas|auch)\s+|,\s*")


MAX_WISHES = 8  # wishes joined by "and" in one sentence read apart; past this the rest is read as one clause


def _wishes_apart(text: str, sentence: str) -> list[Clause]:
    """Two wishes joined by "and" are two clauses ("take me off your list and stop the catalogs"): each names
    its own lists. ("unsub, " 2,300 times once recursed 2,300 deep and crashed.)"""
    clauses: list[Clause] = []
    rest = text
    for _ in range(MAX_WISHES):
        leaves = found("leave", rest)
        cut = next(
            (
                joint[-1]
                for first, second in pairwise(leaves)
                if (joint := list(_AND.finditer(rest, first.end(), second.start())))
            ),
            None,
        )
        if cut is None:
            break
        clauses.append(read_clause(rest[: cut.start()].strip(), sentence))
        rest = rest[cut.end() :].strip()
    return [*clauses, read_clause(rest, sentence)]


# --- is there list-removal vocabulary at all? ----------------------------------------------------------------------


_UNWANTED = re.compile(
    r"\b(do ?n'?t|do not|no longer) (want|need|like)|\bno (quiero|deseo|necesito)|"
    r"\bne (veux|souhaite|voulons) (pas|plus)|"
    r"\b(will|moechte|brauche) (ich )?(das |die |den |sie |es )?(nicht|keine)"
)


def list_vocabulary(text: str) -> list[str]:
    """Cues that make a message one a human must see unless it is read with confidence. A generic removal verb
    ("remove", "cancel") counts unless every one of them is plainly about an order, an item, a card or a password
    and no list word appears."""
    text = fold(text)
    cues = [f"leave:{m.group(0)}" for m in found("leave", text)]
    cues += [f"erase:{m.group(0)}" for m in found("erase", text)]
    cues += [f"too_much:{m.group(0)}" for m in found("too_much", text)]
    cues += [f"vague:{m.group(0)}" for m in found("vague", text)]
    cues += [f"back_in:{m.group(0)}" for m in found("resubscribe", text)]
    cues += [f"leave:{m.group(0)}" for m in found("leave_if_list", text)]
    for clause in clauses_of(text):
        if SHARING in clause.channels or SHARING in clause.mentioned:
            cues.append("sharing")
        named = clause.channels or clause.weak_email or found("list_word", clause.text)
        if named and found("negation", clause.text):
            cues.append("negated_list")  # "I don't want your catalogs": whatever the verb, a human reads it
        topics = found("list_topic", clause.text)
        if topics and (found("wish", clause.text) or found("negation", clause.text)):
            cues.append(f"list_wish:{topics[0].group(0)}")
        listed = clause.channels or clause.weak_email or found("list_topic", clause.text)
        if listed and not (found("transactional", clause.text) or found("not_list", clause.text)):
            cues.append("mentions_list")  # a list named outside order mail: never "nothing" without a reading
        generic = found("generic", clause.text)
        if generic and (found("list_word", clause.text) or not found("not_list", clause.text)):
            cues += [f"remove:{m.group(0)}" for m in generic]
    if found("list_topic", text) and _UNWANTED.search(text):
        cues.append("unwanted")  # "still getting your newsletter ... I don't want them"
    return cues


# --- the rules ----------------------------------------------------------------------------------------------------


def _ordered(scopes: set[str]) -> tuple[str, ...]:
    return tuple(s for s in ORDER if s in scopes)


MAX_LIST_CLAUSES = 3  # a request spread over more sentences than this is a story a person should read
MAX_READ = 16 * 1024  # a person's own words; past this no reading is confident
MAX_SUBJECT = 1024  # no person writes a longer subject; reading a hostile one took seconds
SHORT_REPLY = 60  # characters of own text: a reply this short is a reaction, not a message of its own
# the store's account mail ("Welcome — your account is ready"): a bare "remove me" in reply may mean the account
# inside a compound as well: "Ihr neuer Fruehjahrskatalog", "Sommerprospekt"
_CATALOG_STEM = re.compile(r"(katalog|catalog|prospekt|brochure|folleto|depliant)")
_ACCOUNT_MAIL = re.compile(r"\b(account|cuenta|compte|konto|kundenkonto|welcome|bienvenid\w*|bienvenue|willkommen)\b")
_LONG_TOKEN = re.compile(r"\S{64,}")  # no word is this long: a run like it would only make the cues backtrack


def read_words(text: str, subject: str, *, relayed: bool = False) -> Reading:
    """What a person's own words (already cut to their own text) ask of the lists. `relayed`: an agent speaks
    for the customer, so words about another person are expected."""
    body = _LONG_TOKEN.sub(" ", text).strip()
    if len(body) > MAX_READ or len(subject) > MAX_SUBJECT:
        return Reading(Outcome.REVIEW, (EMAIL,), "too long to read with confidence")
    own_subject = subject_words(_LONG_TOKEN.sub(" ", subject))
    words = f"{own_subject}\n{body}" if own_subject else body
    vocabulary = list_vocabulary(words) + (list_vocabulary(subject) if not own_subject else [])
    replying = not own_subject and bool(subject.strip())
    if not vocabulary and replying and len(body) <= SHORT_REPLY:
        # "Basta ya.", "Non merci." above the store's own mail: a reaction to it, which a person reads
        return Reading(Outcome.REVIEW, (EMAIL,), "a very short reply to the store's mail")
    folded = fold(words)  # the cues are written folded: "Meine Daten niemals an andere Firmen!"
    if not vocabulary and (found("erase", folded) or (_PARTNERS.search(folded) and _OWN_DATA.search(folded))):
        # "My details are not for other companies", "Mis datos nunca a otras empresas": no cue the reader knows,
        # but words about a person's data and other companies, or about deleting: never read as asking nothing
        suggested = (SHARING,) if _PARTNERS.search(folded) else ORDER[:2]
        return Reading(Outcome.REVIEW, suggested, "words about sharing or deleting data the reader does not know")
    if not vocabulary:
        return Reading(Outcome.NOTHING, reason="no list-removal words")
    headline = clauses_of(own_subject) if own_subject else []
    for clause in headline:
        clause.in_subject = True
    clauses = headline + clauses_of(body)
    wishes = [c for c in clauses if c.leave or c.erase]
    cues = tuple(dict.fromkeys(vocabulary))
    if not wishes:
        # a subject that replies to the store's own mail ("Re: unsubscribe") may still be the whole request
        if not body or len(body) < 3:
            replied = clauses_of(fold(subject))
            wishes = [c for c in replied if c.leave and not (c.negated or c.asked_why or c.mistake)]
        if not wishes:
            return Reading(Outcome.REVIEW, _suggest(clauses), "removal words without a wish to leave", cues)
    reading = _decide(clauses, wishes, cues, relayed)
    unnamed = not any(c.channels or c.weak_email for c in clauses)
    if reading.outcome is Outcome.ACT and unnamed and replying and not reading.erase:
        # a bare "remove" or "stop" in reply: "this" is whatever the replied-to mail was, and only mail that is
        # plainly marketing says so ("Re: Weekly deals"); a catalog notice, a cart reminder or a receipt does not
        replied_to = fold(subject)
        marketing = found("list_topic", replied_to) or found("sublist", replied_to)
        if not marketing or found("postal", replied_to):
            return Reading(
                Outcome.REVIEW, reading.scopes, "an unnamed wish in reply to mail that is not a newsletter", cues
            )
    if (
        reading.outcome is Outcome.ACT
        and replying
        and not reading.erase
        and POSTAL not in reading.scopes
        and (found("postal", fold(subject)) or _CATALOG_STEM.search(fold(subject)))
    ):
        # "Please take me off your mailing list" in reply to "Your Spring Catalog is on its way": which list, a
        # person reads
        return Reading(
            Outcome.REVIEW, _ordered({POSTAL, *reading.scopes}), "a reply to postal mail that leaves another list", cues
        )
    replied_about = [] if own_subject else found("not_list", fold(subject)) + found("transactional", fold(subject))
    replied_about += [] if own_subject else list(_ACCOUNT_MAIL.finditer(fold(subject)))
    # "un mail à chaque étape de la livraison" in reply to a shipping notice: a word for mail names no list
    weakly_named = not any(c.channels for c in clauses)
    if reading.outcome is Outcome.ACT and weakly_named and replied_about and not reading.erase:
        return Reading(Outcome.REVIEW, reading.scopes, "an unnamed wish in a reply to mail about an order", cues)
    if reading.outcome is Outcome.ACT and unnamed and not reading.erase and any(c.aimed_elsewhere for c in clauses):
        # subject "Unsubscribe", body "I want to unsubscribe from the coffee beans delivery": the headline is the
        # same wish as the words aimed at the product
        return Reading(Outcome.REVIEW, reading.scopes, "a wish naming no list beside one aimed at a product", cues)
    if reading.outcome is Outcome.ACT and weakly_named and not reading.erase and _PARTNERS.search(folded):
        # "Opt out – third parties": a wish naming no list beside partners may be the sharing
        return Reading(
            Outcome.REVIEW, _ordered({SHARING, *reading.scopes}), "a wish naming no list beside partners", cues
        )
    if (
        reading.outcome is Outcome.ACT
        and unnamed
        and not reading.erase
        and any(found("not_list", c.text) or found("product", c.text) for c in clauses)
    ):
        # "enlever ma carte … je ne veux plus qu'elle y soit", "cancel my coffee subscription … unsubscribe me from
        # that one": a wish that names no list, in a message about an order, a card or a product, is read by a
        # person, unless its own word is a list's ("unsubscribe me, my last order was wrong anyway")
        own_list_word = all(
            found("list_topic", " ".join(c.leave)) and not _POINTING_BACK.search(c.text) for c in wishes if c.leave
        )
        if not own_list_word:
            return Reading(Outcome.REVIEW, reading.scopes, "an unnamed wish in a message about something else", cues)
    return reading


def _suggest(clauses: list[Clause]) -> tuple[str, ...]:
    named: set[str] = set()
    for clause in clauses:
        named |= clause.channels | clause.mentioned
    return _ordered(named or {EMAIL})


def _decide(clauses: list[Clause], wishes: list[Clause], cues: tuple[str, ...], relayed: bool) -> Reading:
    erase = [c for c in wishes if c.erase and not c.negated]
    turned = [c for c in wishes if c.negated or c.asked_why or c.mistake or c.reported]
    plain = [
        c for c in wishes if c.leave and not (c.negated or c.asked_why or c.mistake or c.conditional or c.reported)
    ]
    # keeping order confirmations is no conflict: transactional mail is not a list
    kept = [c for c in clauses if c.keep and not c.leave and not found("transactional", c.text)]
    suggested, inferred = _scopes_asked(plain or wishes, clauses)
    if not relayed and any(c.other_person for c in clauses):
        return Reading(Outcome.REVIEW, suggested, "may concern someone other than the writer", cues, someone_else=True)
    if any(c.prefers for c in clauses):
        return Reading(Outcome.REVIEW, suggested, "a preference between lists, or consent: a person reads which", cues)
    if any(c.moved for c in wishes):
        return Reading(
            Outcome.REVIEW, suggested, "a change of address beside the wish: stop the mail, or move it?", cues
        )
    if erase and (kept or any(c.keep for c in erase)):
        return Reading(Outcome.REVIEW, ORDER[:2], "an erasure beside a list kept: a person decides", cues)
    if any(c.erase_unsure for c in erase):
        return Reading(Outcome.REVIEW, ORDER[:2], "an erasure negated, asked about or told of: a person decides", cues)
    if any(c.erase_doubt for c in clauses) and not erase:
        return Reading(Outcome.REVIEW, ORDER[:2], "deleting the account, or only something in it", cues)
    if erase:
        # "delete my account, and never pass my address on": the sharing refusal stands beside the erasure
        sharing = {SHARING} if any(SHARING in c.channels and c.leave for c in clauses) else set()
        return Reading(
            Outcome.ACT,
            _ordered({EMAIL, POSTAL} | sharing),
            "asks for erasure: leaves email and postal now, erasure to review",
            cues,
            erase=True,
        )
    if any(c.back_in for c in clauses):
        return Reading(Outcome.REVIEW, suggested, "asks to be added back", cues)
    if turned:
        return Reading(
            Outcome.REVIEW, suggested, "the wish to leave is negated, asked about, reported as done or a mistake", cues
        )
    if not plain:
        return Reading(Outcome.REVIEW, suggested, "the wish to leave is only hypothetical", cues)
    conflict = _conflict(plain, kept, suggested, [c for c in clauses if c not in wishes])
    if conflict:
        return Reading(Outcome.REVIEW, suggested, conflict, cues)
    if inferred:
        return Reading(Outcome.REVIEW, suggested, "which lists is inferred from the context, not named", cues)
    involved = [c for c in clauses if c.leave or c.keep or c.channels or c.weak_email or c.erase]
    if len(involved) > MAX_LIST_CLAUSES:
        return Reading(Outcome.REVIEW, suggested, "too many sentences about lists to act on unread", cues)
    # every list the message names must be either left or kept: one named and neither is a guess
    # (a clause about sharing names postal words — "my name and postal address" — without meaning the catalog)
    named: set[str] = set()
    for clause in clauses:
        if not clause.keep:
            named |= clause.channels | clause.mentioned
    undecided = named - set(suggested)
    if undecided:
        return Reading(
            Outcome.REVIEW, _ordered(named | set(suggested)), "names lists it does not plainly leave or keep", cues
        )
    # the reason names the rule and where it applied; the words themselves stay in `cues` (logs carry neither)
    where = clauses.index(plain[0]) + 1 if plain[0] in clauses else 0  # 0: the subject replied to
    return Reading(Outcome.ACT, suggested, f"asks to leave {', '.join(suggested)} (clause {where})", cues)


def _scopes_asked(wishes: list[Clause], clauses: list[Clause]) -> tuple[tuple[str, ...], bool]:
    """The lists the wishes name, and whether any was inferred rather than named: a wish naming none takes the
    lists named elsewhere in the message (outside what the writer keeps), else all marketing email; "everything"
    is email and postal mail."""
    named: set[str] = set()
    unnamed = False
    inferred = False
    # a headline wish naming nothing ("Unsubscribe") over words that name the lists ("no more paper catalogs"): the
    # words say which
    body_names = any(c.channels for c in wishes if not c.in_subject)
    # "… stop the catalogs too": the headline was a wish of its own, for something the words do not name
    besides = any(_TOO.search(c.text) for c in wishes if not c.in_subject and c.channels)
    for clause in wishes:
        if clause.in_subject and not clause.channels and not clause.everything and body_names:
            inferred = inferred or besides  # "Unsubscribe" over "please stop the catalogs too": both? a person reads
            continue
        if clause.everything and not clause.channels:
            inferred = True
            named |= {EMAIL, POSTAL}
        elif clause.channels:
            named |= clause.channels
        else:
            unnamed = True  # also a wish naming only "your list": the message around it says which
    if unnamed:
        # what the writer describes around the wish ("I get flyers every week. Remove me from your list"), not
        # another wish that names its own lists ("Unsubscribe me. And stop the catalog.")
        context: set[str] = set()
        titled: set[str] = set()
        for clause in clauses:
            if not clause.keep and not clause.leave and not clause.erase:
                (titled if clause.in_subject else context).update(clause.channels)
        # a description of sharing ("you pass addresses of catalog customers to partners. I object") is about it
        described = {SHARING} if SHARING in context else context
        # a subject the writer gave ("Catalog") names the list; a description around the wish only suggests it
        named |= titled or described or {EMAIL}
        inferred = inferred or (not titled and bool(described))
    return _ordered(named), inferred


def _conflict(wishes: list[Clause], kept: list[Clause], scopes: tuple[str, ...], others: list[Clause]) -> str | None:
    """A list kept that is also left, or one email list left while another is kept: a human picks."""
    kept_channels: set[str] = set()
    for clause in kept:
        kept_channels |= clause.channels
    if kept_channels & set(scopes):
        return "keeps part of what it asks to leave"
    if kept and not kept_channels and not any(c.channels for c in wishes):
        return "keeps something without naming it"
    partial = [c for c in wishes if c.sublists and not c.everything]
    if partial and kept:
        return "leaves one email list and keeps another"
    if partial and any(EMAIL in c.channels and not c.leave and not c.sublists for c in others):
        # "quitenme de las encuestas … el boletin si me interesa": another email list named, neither left nor kept
        return "leaves one email list and names another"
    if any(c.keep for c in wishes):
        return "one sentence both leaves and keeps"
    return None
