"""The inbox reader's safe default, as properties: list-removal words never end in "nothing", a negated wish never
acts, and quoted marketing footers or signatures never change what a message is read as."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.inbox import load, read, rules_alone
from chalicelib.adapters.mime import parse_inbound
from chalicelib.domain.inbound import Kind, classify
from chalicelib.domain.reading import Outcome, fold, own_words, read_words

AGENTS = frozenset({"shop.example"})
ACTING = (Kind.REQUEST, Kind.FORWARDED)

REMOVAL_WORDS = {
    "en": [
        "unsubscribe",
        "opt out",
        "remove me",
        "take me off your list",
        "stop sending me",
        "no more emails",
        "delete my account",
        "don't share my address with other companies",
        "stop the catalogs",
    ],
    "es": [
        "darme de baja",
        "desuscribirme",
        "no quiero recibir más correos",
        "dejen de enviarme",
        "bórrenme",
        "no compartan mis datos con terceros",
        "eliminar mi cuenta",
    ],
    "fr": [
        "me désabonner",
        "désinscrivez-moi",
        "ne plus recevoir",
        "retirez-moi de votre liste",
        "ne partagez pas mon adresse avec des tiers",
        "supprimer mon compte",
    ],
    "de": [
        "abmelden",
        "abbestellen",
        "austragen",
        "keine Newsletter mehr",
        "löschen Sie meine Daten",
        "geben Sie meine Adresse nicht an Dritte weiter",
        "keine Kataloge mehr",
    ],
}
FILLER = st.lists(
    st.sampled_from(
        [
            "hello",
            "thanks",
            "order",
            "yesterday",
            "the",
            "bitte",
            "merci",
            "gracias",
            "my",
            "quick",
            "question",
            "about",
            "your",
            "store",
            "pedido",
            "commande",
            "Bestellung",
            "and",
            "also",
            ".",
        ]
    ),
    max_size=12,
).map(" ".join)
PHRASES = [phrase for phrases in REMOVAL_WORDS.values() for phrase in phrases]


def mail(body: str, subject: str = "Hello") -> bytes:
    return (
        f"From: Pat <pat@example.net>\r\nTo: service@shop.example\r\nSubject: {subject}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body.replace("\n", "\r\n")
    ).encode()


def verdict_of(body: str, subject: str = "Hello"):  # type: ignore[no-untyped-def]
    return classify(parse_inbound(mail(body, subject), ("service@shop.example",)), AGENTS)


@settings(max_examples=300, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(before=FILLER, phrase=st.sampled_from(PHRASES), after=FILLER, shout=st.booleans())
def test_list_removal_words_never_end_in_nothing(before: str, phrase: str, after: str, shout: bool) -> None:
    body = f"{before} {phrase.upper() if shout else phrase} {after}"
    assert verdict_of(body).kind in (*ACTING, Kind.REVIEW), body


NEGATED = {
    "en": ["I do not want to {w}", "I never asked to {w}", "Please don't {w}", "I accidentally clicked {w}"],
    "es": ["No quiero {w}", "Nunca pedí {w}", "Por error hice clic en {w}"],
    "fr": ["Je ne veux pas {w}", "Je n'ai jamais demandé à {w}", "Par erreur j'ai cliqué sur {w}"],
    "de": ["Ich möchte mich nicht {w}", "Ich wollte mich nie {w}", "Versehentlich habe ich {w} geklickt"],
}
WISHES = {
    "en": ["unsubscribe", "be removed from the newsletter", "opt out of the catalog"],
    "es": ["darme de baja", "desuscribirme del boletín"],
    "fr": ["me désabonner", "me désinscrire de la newsletter"],
    "de": ["abmelden", "vom Newsletter abmelden"],
}
NEGATED_CASES = [(frame.format(w=wish)) for lang in NEGATED for frame in NEGATED[lang] for wish in WISHES[lang]]


@pytest.mark.parametrize("body", NEGATED_CASES)
def test_a_negated_wish_never_acts(body: str) -> None:
    verdict = verdict_of(body)
    assert verdict.kind is Kind.REVIEW, (body, verdict.reason)


FOOTERS = [
    "\n\nOn Tue, 3 Mar 2026 at 10:02, Example Store <news@shop.example> wrote:\n> Spring sale: 30% off!\n>\n"
    "> Unsubscribe: https://shop.example/u/x | Manage preferences | Forgot your password?",
    "\n\n-----Original Message-----\nFrom: Example Store <news@shop.example>\nSent: Tuesday, March 3, 2026\n"
    "Subject: Deals\n\nDon't want these emails? Unsubscribe here. We never share your data with third parties.",
    "\n\nEl mar, 3 mar 2026 a las 10:02, Example Store <news@shop.example> escribió:\n> ¿No quieres recibir más"
    " correos? Darse de baja: https://shop.example/baja",
    "\n\nLe mar. 3 mars 2026 à 10:02, Example Store <news@shop.example> a écrit :\n> Pour vous désabonner, "
    "cliquez ici. Supprimer mon compte.",
    "\n\nAm Di., 3. März 2026 um 10:02 schrieb Example Store <news@shop.example>:\n> Newsletter abbestellen | "
    "Daten löschen",
    "\n\n--\nPat Example\nSenior Buyer, Example Corp\n+1 555 0100",
    "\n\nSent from my iPhone",
    "\n\nVon meinem iPhone gesendet",
    "\n\nCONFIDENTIALITY NOTICE: This e-mail and any attachments are confidential. If you are not the intended "
    "recipient, delete it and do not share, copy or forward it. Unsubscribe from nothing.",
]
TEXT_MESSAGES = [m for m in load("dev") if m.get("text") and not m.get("headers")]


@settings(max_examples=200, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(message=st.sampled_from(TEXT_MESSAGES), footer=st.sampled_from(FOOTERS))
def test_a_quoted_marketing_footer_or_a_signature_never_changes_the_verdict(message: dict, footer: str) -> None:  # type: ignore[type-arg]
    before = read(message)
    after = read({**message, "text": message["text"] + footer})
    assert (after.kind, after.scopes, after.erase) == (before.kind, before.scopes, before.erase), message["id"]


@pytest.mark.parametrize(
    "text",
    [
        "Please stop sending catalogs here. They are addressed to the previous tenant, who moved out last year.",
        "Stop the catalogs please: she no longer lives here.",
        "Dejen de enviar catálogos a esta dirección, vienen a nombre de la anterior inquilina.",
        "Merci de ne plus envoyer le catalogue ici : il est au nom de l'ancienne locataire.",
        "Bitte schicken Sie keine Kataloge mehr, sie sind an den Vormieter adressiert.",
        "Bitte keine Kataloge mehr an diese Adresse, die frühere Bewohnerin wohnt nicht mehr hier.",
        "Siguen llegando catálogos a nombre de Horacio Bengolea, el inquilino anterior. ¿Pueden dejar de mandarlos?",
    ],
)
def test_mail_for_a_former_occupant_goes_to_a_person(text: str) -> None:
    reading = read_words(fold(text), "Catalogs")
    assert reading.outcome is Outcome.REVIEW and reading.someone_else, reading


def test_mail_in_ones_own_name_is_still_ones_own() -> None:
    reading = read_words(fold("Dejen de enviarme catálogos, por favor. Llegan a nombre de mi cuenta."), "Catálogos")
    assert not reading.someone_else and reading.outcome is not Outcome.NOTHING, reading


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("How do I unsubscribe from the Plus membership? It renewed and I don't want to be charged.", "Plus"),
        ("I want to unsubscribe from the monthly coffee beans subscription.", "Unsubscribe from coffee"),
        ("Please cancel my appointment on Saturday and take me off the booking list for that day.", "Appointment"),
        ("Bitte bestellen Sie die monatliche Futterlieferung (Spar-Abo) ab.", "Futterlieferung abbestellen"),
        ("Bitte streichen Sie mich aus dem Terminkalender, ich melde mich wegen eines neuen Termins.", "Termin"),
        ("Quiero darme de baja de la membresía del club de fidelidad, no la uso.", "Membresía"),
        ("Pouvez-vous me retirer de la liste d'attente pour le canapé ? Je l'ai trouvé ailleurs.", "Liste d'attente"),
    ],
)
def test_a_product_subscription_membership_or_appointment_is_no_list(text: str, subject: str) -> None:
    assert read_words(fold(text), subject).outcome is not Outcome.ACT


def test_a_sharing_opt_out_named_as_a_thing_leaves_sharing_alone() -> None:
    text = (
        "I hereby opt out of the disclosure of my name and postal address to partner companies or any other third "
        "party. Please confirm in writing."
    )
    reading = read_words(fold(text), "Opt-out of information sharing")
    assert reading.outcome is Outcome.ACT and reading.scopes == ("partner_sharing",), reading


def test_a_newsletter_kept_beside_surveys_left_goes_to_a_person() -> None:
    text = (
        "den Newsletter mit den Angeboten lese ich wirklich gern, der soll bitte bleiben. Aber diese Umfragen "
        "möchte ich nicht mehr bekommen."
    )
    assert read_words(fold(text), "Umfragen").outcome is Outcome.REVIEW


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        # an objection to sharing beside a catalog named as context: whether that is objected to, a person reads
        (
            "Client de votre enseigne et destinataire de votre catalogue, je m'oppose à toute cession de mes nom et "
            "adresse postale à des sociétés tierces.",
            "Opposition",
        ),
        # a wish naming no list, in a message about a card or a product subscription
        ("Comment enlever ma carte bancaire enregistrée ? Je ne veux plus qu'elle y soit.", "retirer ma carte"),
        ("I'd like to cancel my coffee bean subscription. Unsubscribe me from that one please.", "Coffee"),
        # order mail named as such is no list
        ("Can you stop sending me the order confirmation and the 'your order has shipped' email?", "3 emails"),
    ],
)
def test_what_a_hasty_reader_would_remove_goes_to_a_person_or_nowhere(text: str, subject: str) -> None:
    assert read_words(fold(text), subject).outcome is not Outcome.ACT


def test_an_objection_in_the_tone_of_a_law_firm_still_acts_on_exactly_what_it_names() -> None:
    text = (
        "Je vous demande de cesser toute sollicitation commerciale à mon égard, par voie électronique comme par voie "
        "postale, et de vous abstenir de communiquer mes coordonnées à quelque tiers que ce soit."
    )
    reading = read_words(fold(text), "Sollicitations commerciales")
    assert reading.outcome is Outcome.ACT and set(reading.scopes) == {"email", "postal", "partner_sharing"}


def test_a_list_named_beside_a_refused_sharing_is_never_dropped_unread() -> None:
    reading = read_words(fold("No catalogs and don't sell my address to other companies."), "Address")
    assert reading.outcome is Outcome.REVIEW and "postal" in reading.scopes, reading


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("Wie kann ich in meinem Konto die gespeicherte Kreditkarte löschen?", "Karte entfernen"),
        ("can u stop the survey emails. the deals emails r fine keep those", "surveys"),
        (
            "An Ihren Kundenbefragungen nehme ich gern teil, da können Sie mich weiter anschreiben. Die Werbe-Mails "
            "möchte ich aber nicht mehr bekommen.",
            "Werbung vs. Umfragen",
        ),
    ],
)
def test_a_card_in_the_account_or_a_list_kept_is_never_acted_on(text: str, subject: str) -> None:
    reading = read_words(fold(text), subject)
    assert reading.outcome is not Outcome.ACT and not reading.erase, reading


def test_names_and_addresses_at_the_partners_without_a_verb_go_to_a_person_with_sharing_suggested() -> None:
    # once acted on as sharing: "Je ne veux pas que mon colis soit déposé chez vos partenaires" read the same way
    text = (
        "Je ne veux plus rien recevoir : ni mails, ni catalogues. Et je ne veux pas non plus que mon nom et mon "
        "adresse traînent chez vos partenaires."
    )
    reading = read_words(fold(text), "TOUT arrêter")
    assert reading.outcome is Outcome.REVIEW and "partner_sharing" in reading.scopes, reading


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("Keine Umfragen mehr bitte. Die Angebotsmails können Sie mir weiter schicken.", "Umfragen"),
        ("Pas intéressé par les enquêtes. Les promos du jeudi vous pouvez continuer, ça me sert.", "Enquêtes"),
        (
            "Pourriez-vous me basculer uniquement sur les mises à jour et m'enlever de la liste promotions ?",
            "changement d'abonnement",
        ),
    ],
)
def test_one_email_list_left_beside_another_kept_goes_to_a_person(text: str, subject: str) -> None:
    assert read_words(fold(text), subject).outcome is Outcome.REVIEW


def test_newsletters_by_email_are_no_post_and_a_postal_address_passed_on_is_sharing() -> None:
    newsletters = read_words(fold("Je ne souhaite plus recevoir vos lettres d'information ni vos offres."), "Liste")
    assert newsletters.outcome is Outcome.ACT and newsletters.scopes == ("email",), newsletters
    shared = read_words(
        fold("Ich wünsche nicht, dass meine Postadresse an Drittfirmen weitergereicht wird."), "Adresse"
    )
    assert shared.outcome is Outcome.ACT and shared.scopes == ("partner_sharing",), shared
    erased = read_words(fold("moin, löscht bitte mein konto komplett mit allem drum und dran."), "konto weg")
    assert erased.erase, erased


def test_a_german_reply_header_with_the_writer_after_the_verb_is_cut() -> None:
    text = "Bitte nicht.\n\nAm Fr., 7. Juni 2024 um 18:30 Uhr schrieb Example Store <hallo@shop.example>:\n> Hallo"
    assert own_words(text).strip() == "Bitte nicht."
    kept = "Am Montag schrieb ich Ihnen schon: bitte keine Kataloge mehr."
    assert own_words(kept).strip() == kept  # a sentence of the writer's own, no address: never cut


@pytest.mark.parametrize(
    "text",
    [
        "Please unsubscribe me, my last order was wrong anyway.",
        "Désabonnez-moi, merci, je ne commande plus de produits chez vous.",
    ],
)
def test_a_list_word_of_ones_own_still_acts_beside_an_order_mentioned(text: str) -> None:
    reading = read_words(fold(text), "Newsletter")
    assert reading.outcome is Outcome.ACT and reading.scopes == ("email",), reading


def test_a_separable_german_leave_with_sie_in_between_is_never_nothing() -> None:
    reading = read_words(fold("Bitte melden Sie mich ab, die Bestellung kam nie an."), "Hallo")
    assert reading.outcome is not Outcome.NOTHING, reading


def test_unsubscribing_a_saved_card_is_no_list() -> None:
    text = "how do i remove a saved card from my account, i want to basically unsubscribe it lol."
    assert read_words(fold(text), "unsubscribe my card??").outcome is not Outcome.ACT


# Found by a review of the rules added while tuning on writers h to k: each was a lost request or a wrong removal.
@pytest.mark.parametrize(
    "text",
    [
        "Delete my premium account and all my data.",
        "Bitte löschen Sie meine Mitgliedschaft und alle meine Daten.",
        "Katalogbelieferung stoppen.",
        "Sehr geehrte Damen und Herren,\nam 12.05. schrieb ich an datenschutz@shop.de <datenschutz@shop.de>:\n"
        "Keine Werbung mehr per Post!\nBis heute kommt der Katalog. Bitte stoppen.",
    ],
)
def test_a_request_beside_a_product_or_a_quoted_looking_line_of_ones_own_is_never_nothing(text: str) -> None:
    assert read_words(fold(own_words(text)), "").outcome is not Outcome.NOTHING


@pytest.mark.parametrize(
    ("text", "never"),
    [
        ("Please stop sending catalogs to my home address, I don't know anyone who wants them.", "partner_sharing"),
        ("Bitte schicken Sie keine Kataloge mehr an meine Adresse, hier liest die niemand.", "partner_sharing"),
        ("Je suis en location, ne m'envoyez plus de catalogue à mon adresse.", "partner_sharing"),
        ("My address was passed to you by another company, please take me off your catalog list.", "partner_sharing"),
        ("Je reçois votre catalogue papier qui ne me concerne pas. Merci de me retirer de votre liste.", "email"),
        ("Den Katalog kann ich nur ungelesen liegen lassen. Bitte nehmen Sie mich aus dem Verteiler.", "email"),
        ("Je ne m'oppose pas à la cession de mes données à des tiers.", "partner_sharing"),
        ("Bitte melden Sie mich nicht ab, ich lese den Newsletter gern.", "email"),
    ],
)
def test_no_list_is_removed_that_the_words_do_not_ask_to_leave(text: str, never: str) -> None:
    reading = read_words(fold(text), "")
    assert not (reading.outcome is Outcome.ACT and never in reading.scopes), reading


def test_deleting_a_saved_cards_data_or_a_sons_profile_is_no_erasure_of_the_writer() -> None:
    for text in ("Löscht bitte meine Daten der alten Kreditkarte.", "Bitte löscht das Profil meines Sohnes"):
        assert read_words(fold(text), "").outcome is not Outcome.ACT


# Found by a second review of the tuned rules.
@pytest.mark.parametrize(
    ("text", "never"),
    [
        ("Ich bitte Sie nun zum dritten Mal, meine Adresse aus Ihrem Verteiler zu nehmen.", "partner_sharing"),
        ("Please remove my name and address from your list, my partner already gets one.", "partner_sharing"),
        ("I never gave my address to other companies or to you. Stop sending me catalogs.", "partner_sharing"),
        ("Ihren Katalog lese ich nicht gern. Bitte melden Sie mich ab.", "email"),
        ("Your catalogues keep arriving and I have no room to keep these. Please remove me from your list.", "email"),
        ("Löscht mein Konto nicht. Ich will nur keinen Newsletter mehr.", "postal"),
        ("Suite à la mise à disposition de ma commande, je ne veux plus recevoir vos catalogues.", "partner_sharing"),
    ],
)
def test_no_list_is_removed_that_the_words_do_not_ask_to_leave_second_review(text: str, never: str) -> None:
    reading = read_words(fold(text), "")
    assert not (reading.outcome is Outcome.ACT and never in reading.scopes), reading


@pytest.mark.parametrize(
    "text",
    [
        "Cessez tous vos envois, par mail et par courrier.",
        "Quiero salir de todo, tanto correo como cartas.",
        "Melden Sie mich bitte ab, per Mail und Post.",
    ],
)
def test_an_ambiguous_mail_word_beside_post_is_never_dropped(text: str) -> None:
    reading = read_words(fold(text), "")
    assert reading.outcome is Outcome.REVIEW or "email" in reading.scopes, reading


def test_an_answer_below_a_quote_is_the_writers_own() -> None:
    text = "Am Fr., 7. Juni 2024 um 18:30 Uhr schrieb Shop <news@shop.de>:\n> Newsletter Juni\n\nKeine Kataloge mehr!"
    reading = read_words(fold(own_words(text)), "")
    assert reading.outcome is Outcome.ACT and reading.scopes == ("postal",), reading


@pytest.mark.parametrize(
    "text",
    [
        "I want my account and all order history deleted.",
        "Bitte mein Kundenkonto inklusive aller Bestellungen löschen.",
    ],
)
def test_an_erasure_naming_orders_is_still_an_erasure(text: str) -> None:
    assert read_words(fold(text), "").erase


@pytest.mark.parametrize(
    "text",
    ["Please do not share my email address with third parties.", "Keine Weitergabe meiner E-Mail-Adresse an Dritte!"],
)
def test_an_email_address_not_to_be_shared_is_the_sharing_alone(text: str) -> None:
    reading = read_words(fold(text), "")
    assert reading.outcome is Outcome.ACT and reading.scopes == ("partner_sharing",), reading


# Found by a third review.
def test_a_reply_with_no_words_of_its_own_is_read_from_its_subject_without_failing() -> None:
    assert read_words("", "Re: unsubscribe").outcome is Outcome.ACT
    assert read_words("", "AW: Abmeldung").outcome is not Outcome.NOTHING


@pytest.mark.parametrize(
    ("text", "outcome", "scopes", "erase"),
    [
        ("Bitte in meinem Konto die alte Lieferadresse löschen.", "review", None, False),
        ("Meine Adresse und mein Name bitte nicht an Drittfirmen.", "review", ("partner_sharing",), False),
        ("Please take me off your postal mailing list.", "act", ("postal",), False),
        ("Supprimez mon compte pas seulement la newsletter", "review", ("email", "postal"), False),
    ],
)
def test_third_review_cases(text: str, outcome: str, scopes: tuple[str, ...] | None, erase: bool) -> None:
    reading = read_words(fold(text), "")
    assert reading.outcome.value == outcome and reading.erase is erase, reading
    assert scopes is None or reading.scopes == scopes, reading


def test_an_email_objection_beside_the_address_not_to_be_shared_is_not_dropped() -> None:
    text = "Ich widerspreche der Weitergabe meiner E-Mail-Adresse an Dritte sowie weiteren Infomails."
    assert "email" in read_words(fold(text), "").scopes


# Found by a fourth review.
@pytest.mark.parametrize(
    ("text", "never_act_on"),
    [
        ("Können Sie in meinem Konto alle Bewertungen löschen?", "postal"),
        ("Bitte tragen Sie meine Adresse aus dem Newsletter Ihrer Vertriebspartner aus.", "partner_sharing"),
        ("Meine Adresse haben Sie nicht von Drittfirmen bekommen.", "partner_sharing"),
        ("Please remove my name from the emails with your partners' offers.", "partner_sharing"),
        ("Mein Konto bitte nicht löschen!", "postal"),
        ("My account should not be deleted, please.", "postal"),
    ],
)
def test_fourth_review_no_wrong_removal(text: str, never_act_on: str) -> None:
    reading = read_words(fold(text), "")
    assert not (reading.outcome is Outcome.ACT and never_act_on in reading.scopes) and not reading.erase, reading


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("Meine E-Mail-Adresse bitte nicht an Werbepartner weitergeben, auch keine Werbung von Ihnen.", "email"),
        ("Ich bin nicht einverstanden, dass meine Daten bei Drittfirmen landen.", "partner_sharing"),
        ("Bitte keine Werbung mehr per Post/Mail", "email"),
    ],
)
def test_fourth_review_nothing_lost(text: str, wanted: str) -> None:
    reading = read_words(fold(text), "")
    assert reading.outcome is Outcome.REVIEW or wanted in reading.scopes, reading
    assert reading.outcome is not Outcome.NOTHING


def test_an_unsubscribe_beside_an_erasure_of_account_and_orders_keeps_the_erasure() -> None:
    text = "Please unsubscribe me from the newsletter and have my account and order history deleted."
    assert read_words(fold(text), "").erase


def test_a_hostile_subject_goes_to_a_person_unread() -> None:
    reading = read_words("please unsubscribe me", "unsubscribe " * 3000)
    assert reading.outcome is Outcome.REVIEW and reading.reason == "too long to read with confidence"


# Found by a fifth review.
@pytest.mark.parametrize(
    "text",
    [
        "My details are not for other companies.",
        "Mis datos nunca a otras empresas.",
        "Meine Daten niemals an andere Firmen!",
        "Mes coordonnées ne sont pas pour d'autres sociétés.",
    ],
)
def test_words_about_ones_data_and_other_companies_are_never_nothing(text: str) -> None:
    reading = read_words(fold(text), "")
    assert reading.outcome is not Outcome.NOTHING and "partner_sharing" in reading.scopes, reading


@pytest.mark.parametrize(
    "text",
    [
        "Unsubscribe me, and I want my account and all of my orders deleted",
        "Bitte keine Kataloge mehr und mein Konto mit allen Bestellungen löschen",
    ],
)
def test_an_erasure_around_orders_is_read_by_a_person_not_halved(text: str) -> None:
    reading = read_words(fold(text), "")
    assert reading.erase or (reading.outcome is Outcome.REVIEW and set(reading.scopes) >= {"email", "postal"}), reading


def test_a_complaint_about_delivery_partners_is_no_sharing_request() -> None:
    for text in (
        "I don't agree with the delivery charge your shipping partners added for my address.",
        "Mein Paket ist nicht bei Ihren Versandpartnern angekommen, meine Adresse ist richtig.",
    ):
        reading = read_words(fold(text), "")
        assert not (reading.outcome is Outcome.ACT and "partner_sharing" in reading.scopes), reading


def test_a_negation_after_the_first_erasure_words_leaves_them_standing() -> None:
    text = "Please close my account as I no longer shop here and erase all my personal data"
    assert read_words(fold(text), "").erase


# Found by a sixth review, read through `classify` on raw mail (the fold the reader relies on included) and by the
# rules alone: the second reading (second_reading.py) may add reviews, and must not be what keeps these right.
def _rules_verdict(subject: str, body: str):  # type: ignore[no-untyped-def]
    raw = f"From: cust@example.com\r\nSubject: {subject}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    with rules_alone():
        return classify(parse_inbound(raw.encode(), ("support@shop.example",)), AGENTS)


def _acted_as_asked_or_reviewed(
    subject: str, body: str, scopes: tuple[str, ...] | None, *, erase: bool | None = None
) -> None:
    """A request the rules either act on exactly as asked (the erasure too, when given), or leave to a person: never
    dropped, never halved."""
    verdict = _rules_verdict(subject, body)
    acted = verdict.kind is Kind.REQUEST and verdict.scopes == scopes and erase in (None, verdict.erase)
    assert verdict.kind is Kind.REVIEW or acted, verdict


def _read_by_a_person(subject: str, body: str, may_be_nothing: bool) -> None:
    """Words that do not plainly ask what they seem to: a person reads them (or nobody, where nothing is asked)."""
    verdict = _rules_verdict(subject, body)
    allowed = {Kind.REVIEW, Kind.OTHER} if may_be_nothing else {Kind.REVIEW}
    assert verdict.kind in allowed and not verdict.erase, verdict


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("", "My details are not for other companies."),
        ("", "Meine Daten niemals an andere Firmen!"),
        ("", "Mis datos nunca a otras empresas."),
        ("", "Mes coordonnées ne sont pas pour d'autres sociétés."),
        ("", "Melden Sie mich doch bitte endlich ab!"),
        ("", "Tragen Sie mich doch bitte endlich aus."),
        ("", "Schicken Sie mir doch bitte nichts mehr zu."),
        (
            "Kontakt",
            "Guten Tag, bitte kontaktieren Sie mich in Zukunft nicht mehr, weder schriftlich noch telefonisch. Danke.",
        ),
        ("", "No vuelvan a escribirme."),
        ("", "No me vuelvan a enviar nada."),
        ("", "Dejen de molestarme, por favor."),
        ("", "Ne me recontactez plus."),
        ("", "Veuillez ne plus m'importuner."),
        ("", "Don't ever send me anything again."),
        ("Please", "Hello, I'd appreciate it if you didn't send me anything else going forward. Thanks, Mark"),
        ("", "Kindly refrain from contacting me in future."),
        ("", "I withdraw my consent."),
    ],
)
def test_sixth_review_requests_in_words_the_reader_missed_are_never_dropped(subject: str, body: str) -> None:
    """Data "not for other companies", "Melden Sie mich doch bitte endlich ab!", "No vuelvan a escribirme", "Ne me
    recontactez plus", "Don't ever send me anything again", "I withdraw my consent"."""
    verdict = _rules_verdict(subject, body)
    assert verdict.kind in (Kind.REVIEW, Kind.REQUEST), verdict
    assert verdict.kind is Kind.REVIEW or verdict.scopes == ("email",), verdict


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("", "I'd like to go paperless - please stop the printed catalog and just email me instead."),
        ("Papierlos", "Bitte keine Kataloge mehr per Post, lieber alles per E-Mail."),
        ("", "Plus de catalogue papier svp, envoyez-moi plutôt la version par e-mail."),
        ("", "No más catálogos en papel, prefiero recibirlos por email."),
        ("", "Unsubscribe me from the newsletter, not the catalog."),
        ("", "Please stop the catalogs, not the emails."),
        ("", "Désabonnez-moi de la newsletter, pas du catalogue."),
        ("", "Denme de baja del boletín, no del catálogo."),
        ("", "Please unsubscribe me from emails, do not delete my account."),
        ("", "I'd like to unsubscribe from the emails without having to delete my account."),
        ("", "Ich möchte mich vom Newsletter abmelden, ohne mein Konto zu löschen."),
        ("", "Je voudrais me désabonner de la newsletter sans supprimer mon compte."),
        ("", "Quiero darme de baja del boletín sin eliminar mi cuenta."),
        ("", "Stop the newsletter please – and no, I don't want you to close my account."),
        ("", "Please stop emailing me, I already get the catalog in the post."),
        ("", "Please quit emailing me about the new brochure."),
        ("", "Bitte hören Sie auf, mich wegen jedem neuen Katalog anzumailen."),
        ("", "Do I have to delete my account to stop the emails?"),
        ("", "Why was my account deleted?"),
        ("", "My account was closed by mistake, please reopen it."),
        ("", "Muss ich mein Konto löschen, um keine Newsletter mehr zu bekommen?"),
        ("", "Dois-je supprimer mon compte pour ne plus recevoir la newsletter ?"),
        ("", "¿Tengo que borrar mi cuenta para dejar de recibir correos?"),
        ("", "Pourquoi avez-vous voulu supprimer mon compte ? Je n'ai rien demandé."),
        ("", "I almost unsubscribed today, but the new catalog is great."),
        ("", "I thought about unsubscribing from the emails, but I'll stay for now."),
        ("", "Ich wollte mich schon vom Newsletter abmelden, aber die letzte Ausgabe war richtig gut."),
        ("", "J'ai failli me désabonner de la newsletter, mais votre dernier numéro m'a fait changer d'avis."),
        ("", "Casi me doy de baja del boletín, pero el último me encantó."),
        ("", "Bitte keinen Newsletter mehr. Das Konto löschen möchte ich aber nicht."),
        ("", "Mein Konto löschen will ich nicht, nur keine Mails mehr."),
        ("", "Arrêtez les catalogues s'il vous plaît. Inutile de supprimer mon compte."),
        ("", "Unsubscribe from newsletter only. Account deletion is NOT what I want."),
        ("", "Please remove my details from the order before it ships, it's a gift."),
        ("", "Can you remove my information from the review I posted?"),
        ("", "Could you delete my account's saved addresses? Only the old ones."),
        ("", "I have no objection to you sharing my address with partners, just stop the catalogs."),
        (
            "",
            "Ich habe kein Problem damit, dass Sie meine Adresse an Partner weitergeben, aber bitte keine Kataloge "
            "mehr.",
        ),
        ("", "No tengo ningún inconveniente en que compartan mis datos con sus socios, pero no quiero más catálogos."),
        ("", "Je ne veux pas que mon colis soit déposé chez vos partenaires, livrez-le à mon adresse."),
        (
            "",
            "Ich möchte nicht, dass mein Paket wieder bei Ihren Paketpartnern landet, bitte an meine Adresse liefern.",
        ),
        ("", "Je m'oppose aux frais que vos partenaires de livraison ont facturés à mon adresse."),
        ("", "Ich habe meine Adresse nicht an Drittfirmen gegeben, woher haben Sie sie?"),
        ("", "Meine Adresse haben Sie doch hoffentlich nicht an Dritte verkauft?"),
        ("", "My address was not passed on to your delivery partners, so the parcel never arrived."),
        ("", "Meine Daten sind offenbar nicht an Ihren Versandpartner übermittelt worden, das Paket kam nie an."),
        ("", "Mon adresse n'a pas été transmise à votre partenaire de livraison, le colis est revenu."),
        ("", "No le comunicaron mi dirección a sus socios de reparto y el paquete no llegó."),
        ("", "Please take Maria Lopez off your catalog list, she moved out."),
        ("", "Frau Müller ist vor zwei Jahren ausgezogen, bitte keine Kataloge mehr an sie."),
        ("", "Dejen de enviar catálogos para Juan Pérez, se mudó hace años."),
        ("Re: Your Spring Catalog is on its way", "Please take me off your mailing list."),
        ("AW: Ihr neuer Frühjahrskatalog ist unterwegs", "Bitte streichen Sie mich aus Ihrem Verteiler."),
        ("RE: Votre catalogue de printemps arrive", "Merci de me retirer de votre liste."),
        ("", "Please remove my email address from my account, I want to use my other one instead."),
        ("", "Please unsubscribe me from the newsletter you share with your partners."),
        ("", "Bitte meine Adresse aus Ihrer Kartei entfernen."),
    ],
)
def test_sixth_review_words_that_do_not_plainly_ask_what_they_seem_go_to_a_person(subject: str, body: str) -> None:
    """Email wished instead of the catalog, "not the catalog", "unsubscribe me without deleting my account", "stop
    emailing me about the catalog", erasure words asked about, told of, turned around or aimed at an order, a wish
    given up ("I almost unsubscribed"), consent to sharing, partners who deliver parcels, a denial or a question about
    sharing, someone who moved out, a reply to a catalog notice, an account edit, "the newsletter you share with your
    partners", "meine Adresse" without a list."""
    _read_by_a_person(subject, body, may_be_nothing=False)


# Found by a seventh review (of the sixth review's fixes and what came before), by the rules alone.
@pytest.mark.parametrize(
    ("subject", "body", "scopes"),
    [
        (
            "Hello",
            "Hello,\nThis email is to request that you remove me from your mailing list.\nThanks, Ann",
            ("email",),
        ),
        ("", "This message is to ask you to unsubscribe me from the newsletter.", ("email",)),
        ("Hola", "Este correo es para pedirles que me den de baja del boletín.", ("email",)),
        ("Bonjour", "Ce message est pour vous demander de me désabonner de la newsletter.", ("email",)),
        ("Hallo", "Diese E-Mail ist eine Bitte: tragen Sie mich bitte aus dem Newsletter aus.", ("email",)),
        ("", "Please consider the environment and stop sending me paper catalogs.", ("postal",)),
        ("", "Piense en el medio ambiente y no me envíe más catálogos.", ("postal",)),
        ("", "Bitte denken Sie an die Umwelt und schicken Sie mir keine Kataloge mehr.", ("postal",)),
        ("", "Pensez à l'environnement : arrêtez de m'envoyer le catalogue papier.", ("postal",)),
        (
            "",
            "Von meinem Handy aus funktioniert der Abmeldelink nicht, bitte melden Sie mich vom Newsletter ab.",
            ("email",),
        ),
        (
            "",
            "Sent you an email from my phone last week asking to be unsubscribed. Still getting the newsletter!",
            ("email",),
        ),
        ("", "The information in this newsletter is useless to me, please unsubscribe me.", ("email",)),
        ("", "I want nothing more to do with your company.", None),
        ("", "Absténganse de contactarme en el futuro.", None),
        ("", "Unsubscribe me from the newsletter please. I would prefer no catalogue as well.", ("email", "postal")),
        (
            "",
            "Please unsubscribe me from the newsletter. I'd also prefer not to receive the catalog.",
            ("email", "postal"),
        ),
        (
            "",
            "Bitte vom Newsletter abmelden. Kataloge bitte auch nicht mehr, ich bevorzuge das digital.",
            ("email", "postal"),
        ),
        ("", "Unsubscribe me from the emails. No objections if the catalog stops as well.", ("email", "postal")),
        ("", "Please stop the newsletter. I'd prefer to get no post from you either.", ("email", "postal")),
        ("", "Désabonnez-moi de la newsletter. Je préfère aussi ne pas recevoir le catalogue.", ("email", "postal")),
        ("", "Denme de baja del boletín. También prefiero no recibir el catálogo.", ("email", "postal")),
    ],
)
def test_seventh_review_requests_are_never_dropped_nor_halved(
    subject: str, body: str, scopes: tuple[str, ...] | None
) -> None:
    """A first line that looks like a disclaimer ("This email is to request…", "Please consider the environment and
    stop the catalogs") or a phone footer ("Von meinem Handy aus funktioniert der Link nicht…") is the writer's own;
    "I'd also prefer not to receive the catalog" keeps nothing; "nothing more to do with", "absténganse". Acted on
    exactly as asked, or read by a person."""
    _acted_as_asked_or_reviewed(subject, body, scopes)


@pytest.mark.parametrize(
    ("subject", "body", "may_be_nothing"),
    [
        ("", "Bitte vom Newsletter abmelden und mein Konto nicht löschen.", False),
        ("", "Please unsubscribe me from all emails and my account must not be deleted.", False),
        (
            "",
            "Unsubscribe me from the newsletter and under no circumstances whatsoever should you delete my account.",
            False,
        ),
        ("", "My account has been closed and I would like it reopened please.", False),
        ("", "My account got deleted after the update, can you restore it", False),
        ("", "Your privacy policy says data is deleted after 3 years. Please keep my account.", True),
        ("", "Meine Daten wurden einfach gelöscht! Das ist eine Frechheit.", False),
        ("", "J'ai reçu un mail confirmant la suppression de mon compte, je n'ai rien demandé!", False),
        ("", "Bitte meine Daten vom Paketaufkleber löschen, das Paket ist ein Geschenk.", True),
        ("", "Leider kommt kein Newsletter mehr bei mir an.", False),
        ("", "Je ne reçois plus vos catalogues depuis mon déménagement, est-ce normal ?", False),
        ("", "Vous ne m'envoyez plus la newsletter depuis mars, c'est dommage.", False),
        ("", "No more catalogs have arrived since March. Please update my address to 5 Elm St.", False),
        ("", "I've received no further catalogs since I paid my invoice.", False),
        ("", "You don't send me the newsletter anymore. Is there a problem with my subscription?", False),
        ("", "You never send me the catalog any more, I miss it.", False),
        ("", "Sie schreiben mich seit Monaten nicht mehr an – gibt es den Newsletter nicht mehr?", False),
        ("", "You unsubscribed me from your newsletter without my consent. Please fix this.", False),
        ("", "I was unsubscribed from the newsletter for no reason.", False),
        ("", "My friend said I should unsubscribe from your newsletter, but I really enjoy it.", False),
        ("", "Will unsubscribing from the newsletter also stop the catalogs?", False),
        ("", "Does unsubscribing from emails stop the catalog too?", False),
        ("", "Unsubscribe? Never! I love it.", False),
        ("", "Abmelden? Nein, doch nicht!", False),
        ("", "Je me désabonne de la newsletter si vous continuez à envoyer autant de mails.", False),
        ("", "Me daré de baja del boletín si siguen enviando tantos correos.", False),
        ("", "Please unsubscribe my friend Tom from the newsletter.", False),
        ("", "Please unsubscribe my assistant from the newsletter, she handles my mail.", False),
        ("", "Bitte meine Schwiegermutter aus dem Katalogverteiler austragen.", False),
        ("", "Mein Mitbewohner bekommt ständig Ihre Kataloge, bitte abbestellen.", False),
        ("", "Bitte keine Kataloge mehr an Herrn Müller schicken, der wohnt hier nicht.", False),
        ("", "Désinscrivez ma belle-mère de la newsletter, s'il vous plaît.", False),
        ("", "Arrêtez d'envoyer des catalogues à M. Dupont, il n'habite pas ici.", False),
        ("", "Por favor den de baja a mi amiga Laura del boletín.", False),
        ("", "Dejen de enviar catálogos para Juan Pérez, no vive aquí.", False),
        ("", "Please stop sending me emails about your catalogue sale.", False),
        ("", "Dejen de enviarme correos sobre el catálogo.", False),
        ("", "Arrêtez de m'envoyer des mails sur le catalogue.", False),
        ("", "Bitte keine E-Mails mehr über den neuen Katalog.", False),
        ("", "Please don't send the catalog to my old address anymore, I now live at 12 Oak Road.", False),
        ("", "Ne m'envoyez plus le catalogue à mon ancienne adresse, j'habite maintenant rue Victor Hugo.", False),
        ("", "No me envíen más el catálogo a mi antigua dirección, ahora vivo en la calle Mayor 5.", False),
        ("", "Stop sending me text messages.", False),
        ("", "Ne m'envoyez plus de SMS, merci.", False),
        ("", "Kontaktieren Sie mich bitte nicht mehr telefonisch.", False),
        ("", "Please don't contact me by phone anymore.", False),
        ("", "No me llamen más, por favor.", False),
        ("", "Ne me contactez plus par téléphone.", False),
        ("", "Don't worry, I'm fine with you sharing my data with partners.", True),
        ("", "No problem if you share my address with partners.", True),
        ("", "I have never had a problem with you sharing my details with partners.", True),
        ("", "No hay problema en que compartan mis datos con terceros.", True),
        ("", "Bitte den Newsletter abbestellen, doch den Katalog schicken Sie mir bitte wie bisher.", False),
        ("", "Bitte schreiben Sie mich nicht mehr mit „Herr“ an, ich bin eine Frau.", True),
        ("", "Dejen de contactarme por teléfono, por favor.", False),
        ("", "I don't want to be contacted by phone – please email me.", True),
        ("", "Kein Newsletter mehr bitte, doch die Kataloge sind super.", False),
        ("", "I'd prefer not to get any more catalogs. Please unsubscribe me.", False),
        ("", "Please don't ever send my parcels to the pickup point again, deliver them to my door.", True),
    ],
)
def test_seventh_review_words_that_do_not_plainly_ask_go_to_a_person(
    subject: str, body: str, may_be_nothing: bool
) -> None:
    """Erasure negated inside its words or told of ("has been closed", "wurden gelöscht"), data removed from a parcel
    label, mail that stopped arriving, a removal the store made, someone else's friend, assistant or flatmate, a
    question about what unsubscribing does, a threat ("si vous continuez"), emails about the catalog, an old address,
    calls and text messages, consent to sharing, a salutation corrected."""
    _read_by_a_person(subject, body, may_be_nothing)


@pytest.mark.parametrize("body", ["unsub, " * 2300, "baja y " * 2300, "unsubscribe me and " * 800])
def test_a_long_run_of_joined_wishes_is_read_without_a_crash(body: str) -> None:
    # once recursed once per "and" and crashed the message's handler with RecursionError
    assert _rules_verdict("", body).kind is Kind.REVIEW


# Found by an eighth review (of the seventh review's fixes and what came before), by the rules alone.
@pytest.mark.parametrize(
    ("subject", "body", "scopes", "erase"),
    [
        (
            "A request",
            "Hi, I have shopped with you for many years.\nThis email is to ask you to stop sending me the printed catalog.\nRegards, Ann",  # noqa: E501
            ("postal",),
            False,
        ),
        (
            "A request",
            "Hi, I have shopped with you for many years.\nPlease consider the environment and stop mailing me your catalogues.\nThanks, Jo",  # noqa: E501
            ("postal",),
            False,
        ),
        (
            "Anfrage",
            "Guten Tag, ich bin seit Jahren Kundin bei Ihnen.\nDiese E-Mail ist meine letzte Bitte, mich aus Ihrem Newsletter auszutragen.\nMfG",  # noqa: E501
            ("email",),
            False,
        ),
        (
            "Eine Bitte",
            "Hallo, ich kaufe seit vielen Jahren bei Ihnen ein.\nBitte denken Sie an die Umwelt und schicken Sie mir keine Kataloge mehr.\nGruß Jo",  # noqa: E501
            ("postal",),
            False,
        ),
        (
            "Solicitud",
            "Hola, soy cliente desde hace años.\nEste correo es para pedirles que me den de baja de su lista de correo.\nGracias",  # noqa: E501
            ("email",),
            False,
        ),
        (
            "Una petición",
            "Hola, soy clienta suya desde hace muchos años.\nPiense en el medio ambiente y no me envíe más catálogos.\nSaludos",  # noqa: E501
            ("postal",),
            False,
        ),
        (
            "Demande",
            "Bonjour, je suis cliente depuis longtemps.\nCe mail est pour vous demander de me retirer de votre liste de diffusion.\nMerci",  # noqa: E501
            ("email",),
            False,
        ),
        (
            "Une demande",
            "Bonjour, je suis cliente chez vous depuis des années.\nPensez à l'environnement et arrêtez de m'envoyer vos catalogues.\nCordialement",  # noqa: E501
            ("postal",),
            False,
        ),
        (
            "Help",
            "Hello,\nSent from my phone as your link fails.\nPlease take me off the email list.",
            ("email",),
            False,
        ),
        (
            "Ayuda",
            "Hola,\nenviado desde el móvil, el enlace no va.\nPor favor, denme de baja del boletín.",
            ("email",),
            False,
        ),
        (
            "Frage",
            "Hallo liebes Team,\nvon meinem Handy klappt die Abmeldung nicht.\nBitte tragen Sie mich aus dem Newsletter aus.\nDanke",  # noqa: E501
            ("email",),
            False,
        ),
        (
            "Account",
            "Please close my account and stop sharing my data with third parties.",
            ("email", "postal", "partner_sharing"),
            True,
        ),
        (
            "Konto",
            "Bitte löschen Sie mein Konto und geben Sie meine Daten nicht an Dritte weiter.",
            ("email", "postal", "partner_sharing"),
            True,
        ),
        (
            "Cuenta",
            "Eliminen mi cuenta y no compartan mis datos con terceros.",
            ("email", "postal", "partner_sharing"),
            True,
        ),
        (
            "Compte",
            "Supprimez mon compte et ne transmettez plus mes données à vos partenaires.",
            ("email", "postal", "partner_sharing"),
            True,
        ),
    ],
)
def test_eighth_review_requests_are_never_dropped_nor_halved(
    subject: str, body: str, scopes: tuple[str, ...] | None, erase: bool
) -> None:
    """A preamble before "This email is to ask you to…", a sentence that starts like a phone footer ("Sent from my
    phone as your link fails."), an erasure beside a sharing refusal: acted on exactly as asked, or read by a person."""
    _acted_as_asked_or_reviewed(subject, body, scopes, erase=erase)


@pytest.mark.parametrize(
    ("subject", "body", "may_be_nothing"),
    [
        (
            "Re: Spring sale",
            "This message and any attachments are confidential and must not be passed on to third parties.\r\n\r\nOn Mon, 3 Jun 2024 at 10:00, Shop <news@shop.example> wrote:\r\n> Spring sale",  # noqa: E501
            True,
        ),
        (
            "Re: Spring sale",
            "The information in this message is confidential and may not be shared with third parties.\r\n\r\nOn Mon, 3 Jun 2024 at 10:00, Shop <news@shop.example> wrote:\r\n> Spring sale",  # noqa: E501
            True,
        ),
        (
            "TR: Soldes",
            "Ce message est confidentiel et ne doit pas être transmis à des tiers.\r\n\r\nOn Mon, 3 Jun 2024 at 10:00, Shop <news@shop.example> wrote:\r\n> Spring sale",  # noqa: E501
            True,
        ),
        (
            "Reply",
            "Hi,\nThis message and any attachments are confidential and must not be passed on to third parties.\r\n\r\nOn Mon, 3 Jun 2024 at 10:00, Shop <news@shop.example> wrote:\r\n> Spring sale",  # noqa: E501
            True,
        ),
        (
            "AW: Frühlingsangebote",
            "Diese Nachricht ist vertraulich und darf nicht an Dritte weitergegeben werden.\r\n\r\nAm Mo., 3. Juni 2024 um 10:00 Uhr schrieb Shop <news@shop.example>:\r\n> Frühlingsangebote",  # noqa: E501
            True,
        ),
        (
            "RE: Rebajas",
            "Este mensaje es confidencial y no debe compartirse con terceros.\r\n\r\nOn Mon, 3 Jun 2024 at 10:00, Shop <news@shop.example> wrote:\r\n> Spring sale",  # noqa: E501
            True,
        ),
        ("Partners", "I wouldn't mind if you shared my details with your partners.", True),
        ("Partners", "I don't care if you give my address to other companies.", True),
        ("Datos", "No tengo problema en que compartan mis datos con empresas asociadas.", True),
        ("Données", "Je n'ai aucun problème à ce que vous transmettiez mes coordonnées à vos partenaires.", True),
        ("Daten", "Ich habe keine Bedenken, wenn Sie meine Adresse an Partnerfirmen weitergeben.", True),
        ("Datos", "Me alegra que no compartan mis datos con terceros.", True),
        ("Catalogs", "Please stop sending catalogs addressed to the person who lived here before me.", False),
        ("Catalogs", "Stop sending catalogues to the previous homeowner, we bought the house in May.", False),
        ("Catalogs", "Please stop mailing catalogs to a Mr. Brown at this address.", False),
        ("Kataloge", "Bitte schicken Sie keine Kataloge mehr für den Herrn, der vorher hier gewohnt hat.", False),
        ("Catálogos", "Por favor dejen de enviar catálogos a la persona que vivía antes aquí.", False),
        ("Catalogues", "Merci d'arrêter d'envoyer vos catalogues aux personnes qui habitaient ici avant nous.", False),
        (
            "Two accounts",
            "I accidentally opened two accounts. Please have the second account deleted and keep this one.",
            False,
        ),
        (
            "Konto",
            "Ich habe versehentlich zwei Konten angelegt. Bitte das zweite Konto löschen, dieses hier behalten.",
            False,
        ),
        (
            "Compte",
            "J'ai créé deux comptes par erreur. Merci de supprimer le compte en double et de garder celui-ci.",
            False,
        ),
        ("Account", "I want to delete my account eventually, but for now just stop the newsletter.", False),
        (
            "Konto",
            "Irgendwann werde ich mein Konto löschen lassen, aber jetzt bitte nur den Newsletter abbestellen.",
            False,
        ),
        (
            "Compte",
            "Je pense supprimer mon compte plus tard, mais pour l'instant désabonnez-moi juste de la newsletter.",
            False,
        ),
        ("Account", "Before I delete my account, please send me copies of my invoices.", False),
        ("Account", "I'll close my account next month when my last order arrives.", False),
        ("Hacked", "Someone hacked my account and tried to delete my data. Please help me secure it.", False),
        ("Catalog", "Should I unsubscribe from the newsletter to stop getting the catalog?", False),
        ("Katalog", "Muss ich mich vom Newsletter abmelden, damit keine Kataloge mehr kommen?", False),
        ("Catalogue", "Dois-je me désabonner de la newsletter pour ne plus recevoir le catalogue ?", False),
        ("Catálogo", "¿Tengo que darme de baja del boletín para dejar de recibir el catálogo?", False),
        ("Catalogue", "Pouvez-vous m'expliquer ce qui arrive au catalogue quand je me désabonne des mails ?", False),
        ("Pregunta", "Por favor, díganme: ¿al darme de baja del boletín también dejo de recibir el catálogo?", False),
        ("Frage", "Bitte um kurze Info: Endet mit der Abmeldung vom Newsletter auch der Katalog?", False),
        ("Feedback", "Unless you stop sending me five emails a day, I will unsubscribe.", False),
        ("Correos", "A menos que dejen de enviarme tantos correos, me daré de baja.", False),
        ("Mails", "À moins que vous arrêtiez de m'envoyer trois mails par jour, je vais me désabonner.", False),
        ("Feedback", "One more catalog like this and I'll unsubscribe from everything.", False),
        ("Newsletter", "I was on the verge of unsubscribing from the newsletter last week.", True),
        ("Newsletter", "Estuve a nada de darme de baja del boletín la semana pasada.", True),
        ("Opinión", "Estuve tentada de darme de baja del boletín, pero al final me quedo.", True),
        ("Newsletter", "J'étais à deux doigts de me désabonner de votre newsletter.", True),
        ("Newsletter", "Fast hätte ich mich vom Newsletter abgemeldet.", True),
        ("Newsletter", "Bitte löschen Sie meine Daten aus Ihrem Newsletter-Verteiler.", False),
    ],
)
def test_eighth_review_words_that_do_not_plainly_ask_go_to_a_person(
    subject: str, body: str, may_be_nothing: bool
) -> None:
    """A legal footer heading an empty reply, consent to sharing ("I wouldn't mind…", "keine Bedenken", "me alegra que
    no compartan…"), mail for whoever lived here before or "a Mr. Brown", a duplicate account or an erasure for later,
    questions ("Should I…?", "Pouvez-vous m'expliquer…?"), threats ("Unless you stop…", "One more catalog like this
    and…"), wishes given up ("on the verge of", "à deux doigts de"), data erased from a newsletter list."""
    _read_by_a_person(subject, body, may_be_nothing)


# Found by a ninth review (of the eighth review's fixes and what came before), by the rules alone.
@pytest.mark.parametrize(
    ("subject", "body", "scopes"),
    [
        ("Hello", "Please stop this newsletter and the paper catalog.", ("email", "postal")),
        ("Hola", "No quiero recibir más este boletín ni los catálogos.", ("email", "postal")),
        ("Hola", "Dejen de enviarme esta newsletter y el catálogo en papel.", ("email", "postal")),
        ("Hello", "Sent from my phone, please unsubscribe me.", ("email",)),
        ("Hallo", "Von meinem Handy aus: bitte abmelden.", ("email",)),
        ("Hola", "Enviado desde el móvil, denme de baja.", ("email",)),
        ("Bonjour", "Envoyé depuis mon portable : désinscrivez-moi svp", ("email",)),
        (
            "Hello",
            "Disclaimer: I am not a lawyer, but under GDPR you must delete my account and all my data.",
            ("email", "postal"),
        ),
        (
            "Bonjour",
            "Avertissement : si je reçois encore un catalogue, je porte plainte. Retirez-moi de votre fichier.",
            None,
        ),
        ("Hallo", "Vertraulich: Bitte streichen Sie mich aus Ihrem Katalogversand.", ("postal",)),
        ("Hello", "This message is intended to ask you to remove me from your email list.", ("email",)),
        ("Hola", "Este correo electrónico es para pedirles que no me manden más catálogos.", ("postal",)),
        (
            "Hello",
            "The information in this email should help you find me: Jane Doe, 12 Elm St. Please remove me from your catalogue list.",  # noqa: E501
            ("postal",),
        ),
        ("Unsubscribe", "Please stop sending me your paper catalogs.", ("postal",)),
        ("Stop", "No more catalogues please.", ("postal",)),
        ("Baja", "Por favor, no me envíen más catálogos por correo postal.", ("postal",)),
        (
            "Newsletter",
            "Please unsubscribe me from your newsletter.\n\nBest regards,\nJohn Smith\nACME Ltd\n\nIMPORTANT NOTICE: This email and any attachments are confidential. Any unauthorised use, disclosure or distribution of this email to third parties is strictly prohibited.",  # noqa: E501
            ("email",),
        ),
        ("Catalog", "Please unsubscribe me from this email list and stop the catalogue.", ("email", "postal")),
        ("Bonjour", "Je ne veux plus recevoir cette newsletter ni vos catalogues.", ("email", "postal")),
        ("Bonjour", "Merci de ne plus m'envoyer ce courriel publicitaire ni le catalogue.", ("email", "postal")),
        ("Re: Spring catalog", "Stop this newsletter and the catalogs please.", ("email", "postal")),
        (
            "Unsubscribe",
            "Unsubscribe me from the newsletter. And my address is not for your partners.",
            ("email", "partner_sharing"),
        ),
        (
            "Newsletter",
            "Please unsubscribe me from the newsletter, it always lands in the mail app on my work laptop.",
            ("email",),
        ),
        ("Abmelden", "Bitte schicken Sie mir keine Kataloge mehr.", ("postal",)),
        ("Désabonnement", "Merci de ne plus m'envoyer votre catalogue papier.", ("postal",)),
    ],
)
def test_ninth_review_requests_are_acted_on_as_asked_or_read_by_a_person(
    subject: str, body: str, scopes: tuple[str, ...] | None
) -> None:
    """A first line like a footer that itself asks ("Confidential: please remove me", "Sent from my phone, please
    unsubscribe me"), "this newsletter" as a list, a headline "Unsubscribe" over words that name the catalog only,
    "Melden Sie mich bitte vom Katalogversand ab"."""
    _acted_as_asked_or_reviewed(subject, body, scopes)


@pytest.mark.parametrize(
    ("subject", "body", "may_be_nothing"),
    [
        ("Partners", "I don't object to you sharing my details with your partners.", True),
        ("Data", "I'm not opposed to you sharing my address with partner companies.", True),
        ("Data", "I don't have a problem with you sharing my data with other companies.", True),
        ("Partners", "I'm not bothered if you share my address with partners.", True),
        ("Sharing", "I'm not against sharing my address with partners at all.", True),
        ("Datos", "No me opongo a que compartan mis datos con terceros.", True),
        ("Datos", "No tengo inconveniente en que cedan mis datos a empresas colaboradoras.", True),
        ("Daten", "Ich widerspreche der Weitergabe meiner Daten an Partner nicht.", True),
        (
            "Order 4411",
            "Where is my order 4411?\n\nJohn\n\nThis e-mail message is intended only for the named recipient. If you no longer want to receive e-mails from us, reply unsubscribe.",  # noqa: E501
            True,
        ),
        (
            "Commande 4411",
            "Où en est ma commande 4411 ?\n\nMarie Dupont\n\nLe contenu de ce courriel est confidentiel. Pour ne plus recevoir nos newsletters, répondez STOP.",  # noqa: E501
            True,
        ),
        ("account", "Delete my account please. I still want the newsletter though.", False),
        (
            "Konto",
            "Bitte löschen Sie mein Kundenkonto. Den Katalog möchte ich aber weiterhin per Post erhalten.",
            False,
        ),
        ("Konto", "Bitte löschen Sie mein Konto, den Newsletter möchte ich weiter bekommen.", False),
        ("compte", "Merci de supprimer mon compte. Je souhaite continuer à recevoir le catalogue papier.", False),
        ("Konto", "Statt mein Konto zu löschen, bestellen Sie bitte nur den Newsletter ab.", False),
        ("Catalogs", "Another catalog like this and I'm unsubscribing.", False),
        ("Catalogue", "Encore un catalogue et je me désabonne.", False),
        ("Newsletter", "Ein Newsletter mehr und ich melde mich ab!", False),
        ("Correos", "Un correo más así y me doy de baja.", False),
        ("Emails", "If this continues I will have no choice but to unsubscribe from your newsletter.", False),
        ("Emails", "Should this spam continue, I will unsubscribe from the newsletter.", False),
        ("Newsletter", "Abmelden möchte ich mich nicht, doch bitte weniger E-Mails schicken.", False),
        ("Newsletter", "Den Newsletter abbestellen will ich nicht. Nur bitte nicht jeden Tag.", False),
        ("Newsletter", "Unsubscribing is not what I want, I just want fewer emails.", False),
        ("Newsletter", "Me dar de baja del boletín no es lo que quiero, solo menos correos.", False),
        ("Newsletter", "Désabonnez-moi des e-mails sans toucher au catalogue papier.", False),
        ("Catalog", "My ex-husband still gets your catalogue at my address. Please stop sending it.", False),
        (
            "Katalog",
            "Meine Ex-Frau bekommt immer noch Ihre Kataloge an meine Adresse. Bitte stellen Sie das ein.",
            False,
        ),
        ("Catálogo", "Mi exmarido sigue recibiendo su catálogo en mi casa. Por favor, dejen de enviarlo.", False),
        ("Catalog", "We are the new owners of the house. Please stop sending catalogues for the Millers.", False),
        (
            "Order 4411",
            "Hi, where is my order 4411? It was due last week.\n\nBest regards,\nJohn Smith\nACME Ltd\n\nIMPORTANT NOTICE: This email and any attachments are confidential. Any unauthorised use, disclosure or distribution of this email to third parties is strictly prohibited.",  # noqa: E501
            True,
        ),
        (
            "Order 4411",
            "Hi, where is my order 4411?\n\nJohn Smith\n\nLEGAL DISCLAIMER\nThe contents of this e-mail are confidential. If you are not the intended recipient, please notify the sender and delete it. Any disclosure to third parties is prohibited.",  # noqa: E501
            True,
        ),
        (
            "Commande 4411",
            "Bonjour, où en est ma commande 4411 ?\n\nCordialement,\nMarie Dupont\nDupont SARL\nConformément au RGPD, vous disposez d'un droit d'accès, de rectification et d'effacement de vos données. Pour vous désinscrire de nos communications, répondez STOP.",  # noqa: E501
            True,
        ),
        ("cuenta", "Por favor, cierren mi cuenta. Quiero seguir recibiendo el catálogo en papel.", False),
        ("Account", "Delete my account and stop the newsletter, but keep sending the catalog please.", False),
        ("Data", "It doesn't bother me if you share my email address with third parties.", True),
        ("Thanks", "No worries about the delay, you can pass my details on to your partner for the warranty.", True),
        ("Newsletter", "Please unsubscribe me from the emails without cancelling the catalogue.", False),
        ("Newsletter", "Denme de baja de los correos sin cancelar el catálogo.", False),
        ("Catalogue", "Je me désabonne de la newsletter si je reçois encore un catalogue.", False),
        ("Catálogo", "Me daré de baja del boletín si me llega otro catálogo.", False),
        ("Newsletter", "Me désabonner de la newsletter, ce n'est pas ce que je veux.", False),
        ("Catalogue", "Mon ex-mari reçoit toujours votre catalogue chez moi. Merci d'arrêter les envois.", False),
    ],
)
def test_ninth_review_words_that_do_not_plainly_ask_go_to_a_person(
    subject: str, body: str, may_be_nothing: bool
) -> None:
    """Consent ("I'm not opposed to…", "No me opongo…", "Ich widerspreche … nicht"), threats ("Another catalog like
    this and…", "if I get another catalog"), a wish declined after its words ("… is not what I want"), an erasure
    beside a list kept or instead of one, former partners and new owners, company footers under an order question."""
    _read_by_a_person(subject, body, may_be_nothing)


# Found by a tenth review (of the ninth review's fixes), by the rules alone.
@pytest.mark.parametrize(
    ("subject", "body", "scopes"),
    [
        ("Unsubscribe", "And please stop the catalogs too.", ("email", "postal")),  # noqa: E501\n        ('Abmelden bitte', 'Bitte auch den Papierkatalog abbestellen.', ('email', 'postal')),\n        ('Baja', 'También dejen de mandarme el catálogo.', ('email', 'postal')),\n        ('Désinscription', "Et arrêtez aussi de m'envoyer le catalogue papier.", ('email', 'postal')),\n        ('Opt out', 'And stop selling my data to third parties.', ('email', 'partner_sharing')),\n        ('Demande', "Bonjour,\nJe suis cliente depuis dix ans.\nConformément au RGPD, je vous demande de ne plus m'envoyer votre catalogue et de supprimer mes données.", ('email', 'postal')),  # noqa: E501\n        ('Datenschutz', 'Guten Tag,\nich bin seit Jahren Kunde.\nDatenschutzhinweis: Ich widerspreche der Weitergabe meiner Daten an Dritte und bitte um Abmeldung vom Newsletter.', ('email', 'partner_sharing')),  # noqa: E501\n        ('Data', 'Hello,\nI closed my store card last year.\nPrivacy notice: I want my personal data erased from your systems.', ('email', 'postal')),\n        ('Remove me', 'Hi,\nThis is my third request.\nIMPORTANT: remove me from your email list AND stop the catalogs.', ('email', 'postal')),\n        ('Unsubscribe', 'Also, do not share my address with third parties.', ('email', 'partner_sharing')),\n        ('Baja', 'Hola,\nCompré una vez en su tienda.\nAviso de privacidad: solicito que eliminen mis datos y me den de baja de todo.', ('email', 'postal')),  # noqa: E501
    ],
)
def test_tenth_review_requests_are_acted_on_as_asked_or_read_by_a_person(
    subject: str, body: str, scopes: tuple[str, ...] | None
) -> None:
    """A headline "Unsubscribe" over "And please stop the catalogs too" (both, or a person reads it), a request that
    begins "Conformément au RGPD" or "Privacy notice:" after a line of the writer's, "pas de cette newsletter"."""
    _acted_as_asked_or_reviewed(subject, body, scopes)


@pytest.mark.parametrize(
    ("subject", "body", "may_be_nothing"),
    [
        ("Catalog", "Please stop sending the paper catalog, this newsletter is enough for me.", False),  # noqa: E501\n        ('Catálogo', 'Denme de baja del catálogo, no de este boletín.', False),\n        ('Catalog', 'Take me off the catalog list, not this email list.', False),\n        ('Newsletter', 'Melden Sie mich keinesfalls vom Newsletter ab.', True),\n        ('Newsletter', 'Melden Sie mich unter keinen Umständen ab!', True),\n        ('Frage', 'Sie melden mich dauernd vom Newsletter ab, das nervt, ich will ihn doch lesen!', True),\n        ('Suivi', 'Merci beaucoup, vous pouvez fermer mon dossier client maintenant.', True),\n        ('Order 4471', 'Hi, when does order 4471 ship?\n\nBest,\nJohn Smith\nAcme Ltd\nThis email is intended solely for the addressee and may contain confidential information.\nTo unsubscribe from Acme marketing emails, reply STOP.', True),\n        ('Refund', 'Hi, has my refund been processed?\nThis message is intended for the addressee only.\nTo opt out of marketing emails from us, reply REMOVE.', True),\n        ('Invoice', 'Confidential: account details to be deleted after use.\nHello, could you resend the invoice for order 7712?', True),\n        ('Dossier SAV', "C'est réglé, merci de fermer mon dossier.", True),\n        ('Rückmeldung', 'Vielen Dank für die Info, ich melde mich nach meinem Urlaub ab dem 5. Mai wieder bei Ihnen.', True),  # noqa: E501\n        ('Catalogue', 'Retirez-moi du catalogue papier, pas de cette newsletter.', False),\n        ('Catálogo', 'Dejen de mandarme el catálogo en papel, este boletín me basta.', False),\n        ('Return', "Hello, I'd like to return the blue jacket.\nThis message is intended for the addressee only. If you are not the addressee, delete all data in it.\nRemove me from Acme mailings: reply STOP.", True),  # noqa: E501
    ],
)
def test_tenth_review_words_that_do_not_plainly_ask_go_to_a_person(
    subject: str, body: str, may_be_nothing: bool
) -> None:
    """ "This newsletter is enough", a company footer "intended solely for the addressee" with an unsubscribe line of
    its own, "account details to be deleted after use", "Sie melden mich dauernd ab", "keinesfalls", "fermer mon
    dossier" (a support case), "mes données" (data, not given)."""
    _read_by_a_person(subject, body, may_be_nothing)


# Found by an eleventh review (of the tenth review's fixes), by the rules alone.
@pytest.mark.parametrize(
    ("subject", "body", "scopes"),
    [
        (
            "Account 48213",
            "Confidential: delete the account linked to this address, please.\nPaul",
            ("email", "postal"),
        ),
        ("Kundenkonto 48213", "Vertraulich: Bitte Konto löschen.\nPaul Meier", ("email", "postal")),
        (
            "Cuenta 48213",
            "Aviso de confidencialidad: eliminen la cuenta asociada a este correo, por favor.\nPablo García",
            ("email", "postal"),
        ),
        (
            "GDPR",
            "Hello,\nThis message is intended solely as a formal erasure request.\nPlease delete my account and all my personal data.",  # noqa: E501
            ("email", "postal"),
        ),
        ("Kundennummer 48213", "Melden Sie mich bitte überall ab, danke.", ("email",)),
        ("Kundennummer 48213", "Bitte melden Sie mich endgültig ab.", ("email",)),
        ("Kundennummer 48213", "Keine Kataloge mehr bitte. Und melden Sie mich außerdem ab.", ("email", "postal")),
        (
            "Katalog",
            "Bitte keinen Katalog mehr schicken, und melden Sie mich bei der Gelegenheit auch ab.",
            ("email", "postal"),
        ),
        (
            "Customer 48213",
            "How the catalogs can keep coming after three requests is beyond me. Take me off the email list as well.",
            ("email", "postal"),
        ),
        (
            "Customer 48213",
            "Your catalogs are enough already. Unsubscribe me from the emails too.",
            ("email", "postal"),
        ),
        ("Beschwerde", "Es reicht mir mit Ihrer Werbepost. Keine E-Mails mehr bitte.", ("email", "postal")),
        (
            "Réclamation",
            "Vos catalogues chaque semaine, ça me suffit ! Désabonnez-moi aussi de la newsletter.",
            ("email", "postal"),
        ),
        (
            "Queja",
            "¡Ya me basta con sus catálogos! Quítenme también de la lista de correo electrónico.",
            ("email", "postal"),
        ),
        (
            "Client 48213",
            "Bonjour, merci de fermer mon dossier client définitivement, je ne suis plus client chez vous.",
            None,
        ),
        ("Unsubscribe", "In addition, no more paper catalogs please.", ("email", "postal")),
        ("Abmelden", "Außerdem bitte keine Kataloge mehr schicken.", ("email", "postal")),
        ("Désabonnement", "Par ailleurs, merci de ne plus m'envoyer le catalogue.", ("email", "postal")),
        ("Baja", "Asimismo, dejen de enviarme el catálogo.", ("email", "postal")),
        (
            "RGPD",
            "Bonjour,\nJe suis cliente depuis 2015.\nConformément au RGPD, vous avez un mois pour effacer mes données et supprimer mon compte.",  # noqa: E501
            ("email", "postal"),
        ),
        (
            "Request",
            "Hi, I've been a customer for years.\nImportant notice: I no longer consent to your catalogs. Please stop sending them.",  # noqa: E501
            ("postal",),
        ),
    ],
)
def test_eleventh_review_requests_are_acted_on_as_asked_or_read_by_a_person(
    subject: str, body: str, scopes: tuple[str, ...] | None
) -> None:
    """A first line like a footer that asks in the writer's own voice, or heads the message and is followed by the
    request ("This message is intended solely as a formal erasure request."), "Your catalogs are enough already",
    "Melden Sie mich überall ab", "Außerdem keine Kataloge mehr" under a headline "Unsubscribe"."""
    _acted_as_asked_or_reviewed(subject, body, scopes)


@pytest.mark.parametrize(
    ("subject", "body", "may_be_nothing"),
    [
        (
            "Invoice question",
            "Hello, could you send me a copy of invoice 88231? Our accounts team needs it.\nBest regards\nPeter Lang\nLang Consulting GmbH\n\nPrivacy Notice: We respect your privacy. To unsubscribe from our mailing list, simply reply to this email with UNSUBSCRIBE in the subject.",  # noqa: E501
            True,
        ),
        (
            "Order 88231",
            "Hi,\nwhere is my order 88231?\nThanks\nPeter\nIMPORTANT: This communication is confidential. To opt out of our marketing emails reply STOP.",  # noqa: E501
            True,
        ),
        (
            "Invoice question",
            "Hello, could you send me a copy of invoice 88231?\nBest regards\nPeter Lang\nLang Consulting Ltd\nImportant: To stop receiving our marketing emails, reply with STOP.",  # noqa: E501
            True,
        ),
        (
            "Facture 88231",
            "Bonjour, pourriez-vous m'envoyer une copie de la facture 88231 ?\nCordialement\nMarie Dupont\nDupont Conseil SARL\n\nConformément aux dispositions du RGPD, vous disposez d'un droit d'accès. Désinscription de la newsletter : répondez STOP.",  # noqa: E501
            True,
        ),
        (
            "Rechnung 88231",
            "Guten Tag,\nwo bleibt meine Lieferung zu Bestellung 88231?\nMit freundlichen Grüßen\nPeter Lang\nLang Consulting GmbH\nDatenschutzhinweis: Abmeldung vom Newsletter jederzeit per Antwort an diese Adresse.",  # noqa: E501
            True,
        ),
        (
            "Factura 88231",
            "Hola,\n¿dónde está mi pedido 88231?\nSaludos\nJuan Pérez\nPérez Consultores S.L.\nAviso de privacidad: para darse de baja del boletín, responda a este correo con la palabra BAJA.",  # noqa: E501
            True,
        ),
        ("Mes données", "Arrêtez d'envoyer mes données à qui que ce soit.", False),
        ("Kochkurs am Samstag", "Leider bin ich krank. Bitte melden Sie mich vom Kochkurs ab.", True),
        ("Cooking class", "I'm ill, please unsubscribe me from the cooking class on Saturday.", True),
    ],
)
def test_eleventh_review_words_that_do_not_plainly_ask_go_to_a_person(
    subject: str, body: str, may_be_nothing: bool
) -> None:
    """A company's own "To unsubscribe reply STOP" footer under an order question, "Sie melden mich dauernd ab", "ich
    melde mich ab dem 5. Mai wieder", a cooking class, one's data sent to anyone."""
    _read_by_a_person(subject, body, may_be_nothing)


# Found by a twelfth review (of the eleventh review's fixes), by the rules alone.
@pytest.mark.parametrize(
    ("subject", "body", "scopes"),
    [
        (
            "Newsletter",
            "Hello,\nplease unsubscribe me from the newsletter.\nImportant: the paper catalogs should stop as well.",
            ("email", "postal"),
        ),
        (
            "Newsletter",
            "Hello,\nplease unsubscribe us from the newsletter.\nImportant: no more catalogs either, please.",
            ("email", "postal"),
        ),
        (
            "Newsletter",
            "Hello, please take us off the email list.\nImportant: stop sending the catalogue to our house too.",
            ("email", "postal"),
        ),
        (
            "Unsubscribe",
            "Hi there,\nThanks for the quick refund.\nImportant: please no more catalogs, and stop the emails too.",
            ("email", "postal"),
        ),
        (
            "Désinscription",
            "Bonjour,\nje souhaite me désabonner de la newsletter.\nConformément aux articles 17 et 21 du RGPD, merci également de cesser l'envoi du catalogue papier.",  # noqa: E501
            ("email", "postal"),
        ),
        (
            "Abmeldung",
            "Hallo,\nbitte melden Sie uns vom Newsletter ab.\nDatenschutzhinweis: Auch den Katalog bitte nicht mehr zusenden.",  # noqa: E501
            ("email", "postal"),
        ),
    ],
)
def test_twelfth_review_requests_are_acted_on_as_asked_or_read_by_a_person(
    subject: str, body: str, scopes: tuple[str, ...] | None
) -> None:
    """Request words below a footer-like line ("Important: no more catalogs either, please") send the message to a
    person; "E-Mails reichen mir", "emails alone are enough", "vos mails me suffisent" keep the email."""
    _acted_as_asked_or_reviewed(subject, body, scopes)


@pytest.mark.parametrize(
    ("subject", "body", "may_be_nothing"),
    [
        (
            "Catálogo",
            "Este mensaje es confidencial y para uso exclusivo del destinatario.\nPuede darse de baja de nuestra lista de correo en cualquier momento respondiendo BAJA.\nHola, ¿me pueden enviar el catálogo nuevo? Gracias.",  # noqa: E501
            True,
        ),
        (
            "Catalog",
            "Confidentiality notice\nUnsubscribe from this distribution list by replying to the sender.\nHi, I would like to get your catalog by post.",  # noqa: E501
            True,
        ),
        (
            "Catalogues",
            "Merci d'arrêter l'envoi des catalogues. Anne\n\nCe message est confidentiel. Pour vous désabonner de ma lettre d'information, répondez STOP.",  # noqa: E501
            False,
        ),
        (
            "Catalogs",
            "Please stop the catalogs.\n-\nConfidential: my list – you can opt out of my newsletter at any time.",
            False,
        ),
        ("Newsletter", "Jetzt melden Sie mich schon wieder vom Newsletter ab. Ich will ihn doch lesen!", False),
        ("Newsletter", "Gestern meldeten Sie mich ohne meine Zustimmung vom Newsletter ab.", False),
        (
            "Newsletter",
            "Hallo, bitte melden Sie mich für den Newsletter ab Februar an, vorher bin ich im Ausland.",
            True,
        ),
        ("Newsletter", "Hallo, melden Sie mich für den Newsletter ab Herbst an, danke.", True),
        ("Newsletter", "Melden Sie mich bitte für den Katalog an und ab Juni auch für den Newsletter.", True),
        ("Katalog", "Hallo, ich melde mich nochmal und hole den Katalog ab, wenn er da ist.", True),
        ("Kataloge", "Wir melden uns dann und holen die Kataloge ab.", True),
        (
            "Katalog",
            "Guten Tag, ich melde mich wegen Ihres Katalogs ab und zu kommt er doppelt an, vielleicht zwei Einträge?",
            True,
        ),
        ("Catálogo", "No me envíen más catálogos, con los correos me basta.", False),
        ("Catálogo", "No me manden más catálogos, me basta con los correos.", False),
        ("Catalogue", "Plus de catalogues papier svp, avec les mails ça me suffit.", False),
        ("Newsletter", "Hallo, bitte melden Sie mich ab Januar für den Newsletter an.", True),
        ("Katalog", "Guten Tag, melden Sie mich bitte ab Mai für den Katalog an, ich ziehe dann in mein Haus.", True),
        ("Newsletter", "Ständig melden Sie mich vom Newsletter ab, ich habe mich dreimal neu angemeldet.", False),
        (
            "Bestellung",
            "Datenschutzhinweis:\nGemäß Art. 17 DSGVO haben Sie das Recht auf Löschung Ihrer Daten.\n\nHallo, wann kommt meine Bestellung?",  # noqa: E501
            True,
        ),
        (
            "Catálogo",
            "Aviso de privacidad:\nPuede darse de baja de nuestra lista de correo en cualquier momento.\nHola, ¿me pueden enviar el catálogo nuevo? Gracias.",  # noqa: E501
            True,
        ),
        (
            "Re: Your order",
            "Please stop the catalogs. Thanks.\n\nPrivacy notice: I process personal data per GDPR; unsubscribe from my mailing list anytime.\n\nOn Monday the shop wrote: your catalog is on its way",  # noqa: E501
            False,
        ),
        ("Katalog", "Bitte keine Kataloge mehr, E-Mails reichen mir.", False),
        ("Catalog", "No more paper catalogs please, emails alone are enough for me.", False),
        ("Catalogue", "Plus de catalogues s'il vous plaît, vos mails me suffisent largement.", False),
        ("Catálogo", "No quiero más catálogos, con sus emails tengo suficiente.", False),
    ],
)
def test_twelfth_review_words_that_do_not_plainly_ask_go_to_a_person(
    subject: str, body: str, may_be_nothing: bool
) -> None:
    """A disclaimer's later lines heading a message, a first-person footer ("opt out of my newsletter"), German
    sign-ups and pick-ups ("ab Februar an", "ab und zu"), complaints ("Ständig melden Sie mich … ab")."""
    _read_by_a_person(subject, body, may_be_nothing)
