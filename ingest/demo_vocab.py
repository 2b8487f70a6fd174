"""Word lists and fixed shares for the demo data (names with umlauts, regions, channels, ...).

Only constants live here; ingest/demo_*.py draw from them with numpy. Shares are tuples of
(value, weight); weights need not sum to 1.
"""
from __future__ import annotations

PIPELINE = ("Lead", "Qualified", "Proposal", "Negotiation")  # open stages, in order
WON, LOST = "Won", "Lost"
DEAL_STAGES = PIPELINE + (WON, LOST)                         # history stage codes 0..5
STATUSES = ("open", "won", "lost")
LIFECYCLE = ("subscriber", "lead", "mql", "sql", "opportunity", "customer", "loyal", "churned")

# region -> countries (weight) and their cities
REGIONS = (
    ("DACH", 0.36, (("DE", 0.72, ("Berlin", "München", "Köln", "Düsseldorf", "Nürnberg", "Hamburg",
                                  "Stuttgart", "Lübeck", "Würzburg", "Göttingen", "Frankfurt am Main")),
                    ("AT", 0.16, ("Wien", "Graz", "Linz", "Salzburg", "Innsbruck")),
                    ("CH", 0.12, ("Zürich", "Genève", "Basel", "Bern", "Luzern")))),
    ("Nordics", 0.14, (("SE", 0.4, ("Stockholm", "Göteborg", "Malmö", "Uppsala", "Västerås")),
                       ("DK", 0.25, ("København", "Aarhus", "Odense", "Aalborg")),
                       ("NO", 0.2, ("Oslo", "Bergen", "Trondheim", "Tromsø")),
                       ("FI", 0.15, ("Helsinki", "Espoo", "Tampere", "Jyväskylä", "Oulu")))),
    ("Benelux", 0.14, (("NL", 0.55, ("Amsterdam", "Rotterdam", "Utrecht", "Eindhoven", "Den Haag")),
                       ("BE", 0.38, ("Bruxelles", "Antwerpen", "Gent", "Liège", "Leuven")),
                       ("LU", 0.07, ("Luxembourg", "Esch-sur-Alzette")))),
    ("UK & Ireland", 0.14, (("GB", 0.82, ("London", "Manchester", "Birmingham", "Edinburgh", "Leeds", "Bristol")),
                            ("IE", 0.18, ("Dublin", "Cork", "Galway")))),
    ("Southern Europe", 0.13, (("ES", 0.4, ("Madrid", "Barcelona", "Valencia", "Sevilla", "Málaga", "Córdoba")),
                               ("IT", 0.42, ("Milano", "Roma", "Torino", "Bologna", "Napoli", "Firenze")),
                               ("PT", 0.18, ("Lisboa", "Porto", "Braga", "Coimbra")))),
    ("France", 0.09, (("FR", 1.0, ("Paris", "Lyon", "Marseille", "Toulouse", "Orléans", "Besançon", "Nantes")),)),
)

LEGAL_FORMS = {
    "DE": ("GmbH", "AG", "KG", "GmbH & Co. KG", "e.K."), "AT": ("GmbH", "AG", "KG"),
    "CH": ("AG", "GmbH", "SA"), "SE": ("AB",), "DK": ("ApS", "A/S"), "NO": ("AS",), "FI": ("Oy", "Oyj"),
    "NL": ("B.V.", "N.V."), "BE": ("BV", "NV", "SRL"), "LU": ("S.à r.l.", "S.A."), "GB": ("Ltd", "PLC", "LLP"),
    "IE": ("Ltd", "DAC"), "ES": ("S.L.", "S.A."), "IT": ("S.r.l.", "S.p.A."), "PT": ("Lda.", "S.A."),
    "FR": ("SARL", "SAS", "SA"),
}

FIRST_NAMES = (
    "Anna", "Jürgen", "Jörg", "Björn", "Günther", "Sören", "Käthe", "Bärbel", "Uwe", "Jürgen", "Lena",
    "Maximilian", "Sophie", "Lukas", "Hannah", "Felix", "Marie", "Jonas", "Lea", "Matthias", "Katrin",
    "Stefan", "Claudia", "Tobias", "Sabine", "Özlem", "Mehmet", "Ingrid", "Søren", "Åsa", "Mikael",
    "Ingrid", "Pål", "Kristiina", "Jukka", "Pieter", "Anneke", "Maarten", "Émilie", "François",
    "Hélène", "Siobhán", "Seán", "Aoife", "Oliver", "Charlotte", "James", "Nuño", "María", "José",
    "Inés", "João", "Conceição", "Giulia", "Luca", "Niccolò", "Zoë", "Chloé", "Agnieszka", "Łukasz",
)
LAST_NAMES = (
    "Müller", "Schäfer", "Köhler", "Größ", "Weiß", "Schröder", "Krüger", "Hübner", "Löffler", "Fuchs",
    "Schmidt", "Schneider", "Fischer", "Meyer", "Wagner", "Becker", "Hoffmann", "Schulz", "Koch",
    "Bäcker", "Jürgens", "Wöhler", "Dörfler", "Brückner", "Gößling", "Jensen", "Andersson", "Nyström",
    "Øvergaard", "Lindqvist", "Virtanen", "Mäkinen", "de Vries", "van der Berg", "Janssens", "Peeters",
    "O'Brien", "Murphy", "Smith", "Taylor", "García", "Fernández", "Rossi", "Bianchi", "Conceição",
    "Dubois", "Lefèvre", "Moreau", "Nowak", "Yılmaz",
)
COMPANY_STEMS = (
    "Alpen", "Nordlicht", "Rhein", "Elbe", "Isar", "Ostsee", "Bergland", "Sonnen", "Fjord", "Polar",
    "Atlantik", "Iberia", "Lago", "Brücken", "Grünwald", "Weißdorn", "Südwind", "Nebel", "Blau",
)
COMPANY_NOUNS = (
    "Logistik", "Systems", "Solar", "Maschinenbau", "Consulting", "Software", "Medizintechnik",
    "Handel", "Bau", "Foods", "Textil", "Energie", "Digital", "Analytics", "Pharma", "Möbel",
)

INDUSTRIES = (("Manufacturing", 0.2), ("Retail", 0.14), ("Software", 0.12), ("Healthcare", 0.1),
              ("Finance", 0.09), ("Logistics", 0.09), ("Construction", 0.08), ("Energy", 0.06),
              ("Public sector", 0.05), ("Hospitality", 0.07))
CONSUMER_INDUSTRY = "Consumer"
# segment: Enterprise, Mid-Market, SMB, Consumer (index 0..3)
SEGMENTS = ("Enterprise", "Mid-Market", "SMB", "Consumer")
SEGMENT_SHARE = (0.08, 0.22, 0.40, 0.30)
SEGMENT_SIZES = ((("1000+", 0.7), ("201-1000", 0.3)), (("201-1000", 0.3), ("51-200", 0.7)),
                 (("11-50", 0.55), ("1-10", 0.45)), (("1-10", 1.0),))
COMPANY_SIZES = ("1-10", "11-50", "51-200", "201-1000", "1000+")

CHANNELS = ("email", "paid_search", "social", "display", "organic", "referral", "event", "print",
            "tv", "pos")
# how customers first arrive, per segment (weights over CHANNELS)
ACQUISITION = (
    (0.14, 0.12, 0.10, 0.04, 0.12, 0.22, 0.20, 0.04, 0.00, 0.02),  # Enterprise
    (0.16, 0.18, 0.12, 0.06, 0.14, 0.16, 0.12, 0.04, 0.01, 0.01),  # Mid-Market
    (0.16, 0.24, 0.16, 0.08, 0.16, 0.10, 0.04, 0.03, 0.02, 0.01),  # SMB
    (0.14, 0.22, 0.20, 0.10, 0.14, 0.06, 0.01, 0.03, 0.05, 0.05),  # Consumer
)
# channel mix of touches during a deal that is won / not won (drives attribution models)
TOUCH_MIX_WON = (0.26, 0.13, 0.08, 0.04, 0.12, 0.13, 0.14, 0.03, 0.02, 0.05)
TOUCH_MIX_OTHER = (0.22, 0.16, 0.15, 0.13, 0.13, 0.05, 0.05, 0.04, 0.04, 0.03)
TOUCH_MIX_NURTURE = (0.30, 0.14, 0.16, 0.12, 0.16, 0.03, 0.02, 0.03, 0.02, 0.02)
WIN_FACTOR_BY_CHANNEL = (1.1, 1.0, 0.85, 0.8, 1.05, 1.4, 1.2, 0.9, 0.9, 1.1)

KINDS = ("impression", "click", "visit", "email_open", "call", "meeting", "form_submit")
# per channel: weights over KINDS
KIND_MIX = (
    (0, 0.25, 0, 0.7, 0, 0, 0.05),        # email
    (0, 0.55, 0.35, 0, 0, 0, 0.10),       # paid_search
    (0.45, 0.3, 0.2, 0, 0, 0, 0.05),      # social
    (0.75, 0.25, 0, 0, 0, 0, 0),          # display
    (0, 0, 0.9, 0, 0, 0, 0.10),           # organic
    (0, 0, 0.7, 0, 0.3, 0, 0),            # referral
    (0, 0, 0.35, 0, 0, 0.65, 0),          # event
    (1, 0, 0, 0, 0, 0, 0),                # print
    (1, 0, 0, 0, 0, 0, 0),                # tv
    (0, 0, 1, 0, 0, 0, 0),                # pos
)

LOST_REASONS = ("no_budget", "no_need", "bad_fit", "no_response", "timing", "competitor",
                "no_decision", "price", "legal")
# per open stage: weights over LOST_REASONS
LOST_REASON_MIX = (
    (0.25, 0.25, 0.2, 0.3, 0, 0, 0, 0, 0),
    (0.25, 0.1, 0.1, 0.1, 0.2, 0.15, 0.1, 0, 0),
    (0.05, 0, 0, 0.05, 0.2, 0.3, 0.1, 0.3, 0),
    (0, 0, 0, 0, 0.1, 0.3, 0.2, 0.3, 0.1),
)

SALES_TEAMS = ("Enterprise", "Mid-Market", "Inside Sales")
SERVICE_TEAM = "Customer Service"

PRODUCT_CATEGORIES = (("Software", 0.3), ("Services", 0.22), ("Hardware", 0.16), ("Training", 0.1),
                      ("Support", 0.12), ("Consumables", 0.1))

CASE_CHANNELS = (("email", 0.35), ("phone", 0.25), ("chat", 0.18), ("web", 0.12), ("social", 0.05),
                 ("store", 0.05))
CASE_CATEGORIES = ("question", "complaint", "billing", "return", "technical")
CASE_CATEGORY_SHARE = (0.35, 0.2, 0.18, 0.15, 0.12)
CASE_CATEGORY_EFFORT = (0.6, 1.5, 1.0, 1.3, 1.4)       # resolution time factor
PRIORITIES = ("low", "normal", "high", "urgent")
PRIORITY_SHARE = (0.25, 0.5, 0.18, 0.07)
FIRST_RESPONSE_HOURS = (12.0, 5.0, 1.5, 0.4)            # median per priority
RESOLUTION_HOURS = (80.0, 40.0, 16.0, 5.0)

# campaigns: channel, typical length in days, gap between runs in days, cost per day (at
# 5,000 deals), name pattern ({season}/{year}/{n} filled in), open-ended latest run?
CAMPAIGN_PLANS = (
    ("email", 60, 0, 45.0, "Newsletter {season} {year}", True),
    ("paid_search", 182, 0, 420.0, "Google Ads {half} {year}", True),
    ("social", 80, 12, 260.0, "LinkedIn & Instagram {season} {year}", False),
    ("display", 110, 30, 190.0, "Display Retargeting {season} {year}", False),
    ("event", 9, 80, 2600.0, "Messe & Konferenz {season} {year}", False),
    ("print", 40, 140, 380.0, "Fachzeitschrift Anzeige {season} {year}", False),
    ("tv", 28, 300, 3900.0, "TV-Spot {season} {year}", False),
    ("pos", 45, 120, 160.0, "POS-Aktion {season} {year}", False),
)
SEASON_NAMES = ("Winter", "Winter", "Frühjahr", "Frühjahr", "Frühjahr", "Sommer", "Sommer", "Sommer",
                "Herbst", "Herbst", "Herbst", "Winter")

# demand by calendar month (Jan..Dec) and weekday (Mon..Sun)
MONTH_SEASON = (0.95, 1.0, 1.12, 1.02, 1.0, 0.95, 0.8, 0.7, 1.1, 1.15, 1.1, 0.78)
WEEKDAY_SEASON = (1.05, 1.1, 1.1, 1.05, 0.95, 0.3, 0.18)
