"""Constructions: how school talk says something is wrong (or right) without an emotive word.

    CONSTRUCTIONS: ("no reply", pattern, -2.3), ("would not choose", ...), ...
    DOMAIN_WORDS:  ("academy trust", pattern, 0.0), ...   school words VADER misreads

A complaint about a school is mostly a service that did not happen ("never marked", "no reply",
"nobody told us"), a promise broken ("we were told … It is now July"), things getting worse, or
advice to go elsewhere ("I'd think twice", "would not choose it again"), said politely. Praise
often carries a negative word ("bullying was dealt with at once", "never had a single issue").
Each construction here is a general shape, not a sentence from a labelled set: a verb of service
negated or never done, a stretch of time, a comparison, a turn of phrase. The scorer turns a
match into one token with the construction's valence, so VADER then scores the sentence as usual
(negation, "but", capitals) and the construction's name is shown as the reason ("why").

DOMAIN_WORDS are the opposite: ordinary school nouns that VADER's general lexicon scores ("the
Learning Trust" +, "free school meals" +, "the summer fair" +, "drop-off" −, "Miss Hussain" −),
turned into neutral tokens so they neither praise nor blame.
"""

from __future__ import annotations

from dataclasses import dataclass

_W = r"[\w'’-]+"  # a word, with its apostrophe
_NOT = r"(?:not|n['’]t|never|no\s+longer)"
_MONTH = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
)
_SERVICE = (
    r"(?:repl(?:y|ies|ied)|respon(?:se|ses|ded|d)|answer(?:s|ed)?|acknowledg(?:e|ed|ement|ment)"
    r"|explanation|explained|update[ds]?|call(?:ed)?\s+back|call\s?back|got\s+back|get\s+back"
    r"|came\s+back|come\s+back|heard(?:\s+back)?|feedback|word|letter|message|refund|apolog(?:y|ised)"
    r"|marked|reviewed|followed\s+up|looked\s+into|passed\s+on|acted\s+(?:up)?on|recorded|shared"
    r"|informed|consulted|told|contacted|returned|handed\s+back|changed|checked)"
)
_PRAISE_WORDS = (
    r"outstanding|good|great|friendly|caring|helpful|welcoming|supportive|inclusive|kind|nice"
    r"|professional|organised|approachable|ideal|impressed|impressive|happy|safe|nurturing|easy"
    r"|brilliant|excellent|amazing|fantastic|wonderful|lovely|perfect|responsive|communicative"
    r"|consistent|fair|warm|open|transparent|reliable|effective|well[- ]run|well[- ]led"
)
_PRAISE_QUOTED = (
    r"outstanding|award[- ]winning|open[- ]door|great|excellent|amazing|caring|inclusive|nurturing"
    r"|family|partnership|vision|support(?:ive)?|communication|community|policy|good|lovely"
)


@dataclass(frozen=True, slots=True)
class Construction:
    """A shape of words (`pattern`, case-insensitive) read as one token of `valence`."""

    shown: str  # the reason shown in the digest
    pattern: str
    valence: float


def _c(shown: str, pattern: str, valence: float) -> Construction:
    return Construction(shown, pattern, valence)


# Order matters where two start at the same place: the first that matches wins.
CONSTRUCTIONS: tuple[Construction, ...] = (
    # ---- praise that carries a negative word -------------------------------------------------
    _c(
        "problem dealt with",
        r"\b(?:bullying|problem|issue|concern|incident|it|this|that|everything|things)\s+"
        r"(?:was|were|got|has\s+been|had\s+been|have\s+been|is)\s+(?:all\s+|really\s+)?"
        r"(?:dealt\s+with|sorted|resolved|handled|addressed|stopped)\b"
        r"|\b(?<!being\s)(?:sorted|resolved)\s+(?:it\s+|things\s+)?(?:out\s+)?"
        r"(?:within|in|straight|the\s+same|quickly|immediately|at\s+once|by)\b"
        r"|\b(?:really|properly|quickly)\s+sorted\b",
        2.5,
    ),
    _c(
        "no problems at all",
        r"\b(?:never|not)\s+(?:once\s+)?(?:had\s+)?(?:a|one|any)\s+(?:single\s+)?"
        r"(?:issue|problem|complaint|worry|regret|concern|bad\s+word)s?\b"
        r"|\b(?:zero|no)\s+regrets\b|\bno\s+fuss\b|\bno\s+problems?\s+at\s+all\b"
        r"|\bcan['’]?t\s+ask\s+for\s+(?:more|better|anything\s+more)"
        r"|\bcouldn['’]?t\s+ask\s+for\s+(?:more|better)|\bnot\s+all\s+doom\b|\bisn['’]?t\s+all\s+doom"
        r"|\bwish\s+(?:i|we)\s+hadn['’]?t\s+worried\b|\bwouldn['’]?t\s+change\s+(?:it|a\s+thing)\b"
        r"|\bnothing\s+but\s+(?:support\w*|kind\w*|help\w*|prais\w*|positive|good|great|brilliant"
        r"|lovely|excellent|wonderful|amazing|fantastic)\b",
        2.5,
    ),
    _c(
        "would choose again",
        r"\b(?:would|'d|’d|will)\s+(?!not\b|never\b)(?:\w+\s+)?(?:send|choose|pick)\s+(?:them|it|her|him|my\s+\w+"
        r"|our\s+\w+|both\s+\w+|the\s+school)?\s*(?:there\s+)?again\b"
        r"|\bbest\s+decision\b",
        2.5,
    ),
    _c(
        "turned round",
        r"\bturned\s+(?:it|things|the\s+school|\w+)\s+(?:a)?round\b|\bturn(?:a)?round\b"
        r"|\b(?:removed|taken|came|come|brought)\s+out\s+of\s+special\s+measures\b"
        r"|\bno\s+longer\s+['\"‘“]?requir\w*\s+improvement|\bmade\s+(?:a|all\s+the)\s+"
        r"(?:real\s+|huge\s+|big\s+|massive\s+)?difference\b"
        r"|\b(?:a\s+)?(?:completely|totally)\s+different\s+(?:place|school)\s+now\b"
        r"|\bcomes?\s+into\s+(?:its|their)\s+own\b|\bsettled\s+(?:in\s+)?(?:no\s+time|straight\s+away"
        r"|quickly|so\s+well|really\s+well|brilliantly)\b|\bin\s+no\s+time\b"
        r"|\b(?:graded|judged|rated)\s+['\"‘“]?(?:good|strong\s+standard|exceptional)\b"
        r"\s*['\"’”]?\s+(?:in|for)\s+(?:every|all|each)\b|\bstrong\s+standard\b",
        2.5,
    ),
    _c(
        "fond farewell",
        r"\b(?:sad|gutted|sorry|heartbroken|devastated)\s+(?:\w+\s+){0,4}?(?:is\s+|are\s+|to\s+"
        r"(?:be\s+)?|that\s+)?(?:leaving|retiring|to\s+leave|moving\s+on|going)\b"
        r"|\b(?:i['’]ll|we['’]ll|will)\s+never\s+forget\b",
        2.0,
    ),
    _c(
        "top results",
        r"\bhighest\s+(?:proportion|percentage|results?|scores?|attainment|progress)\b"
        r"|\bmore\s+progress\s+than\b|\btops?\s+(?:the\s+)?(?:borough|county|league|table)\b"
        r"|\b(?:raised?|raising|raises)\s+(?:more\s+than\s+|over\s+|almost\s+|nearly\s+)?£[\d,.]+",
        2.0,
    ),
    # ---- praise negated ------------------------------------------------------------------------
    _c(
        "negated praise",
        r"\b(?:far\s+from|hardly|barely|scarcely|anything\s+but|less\s+than|not\s+exactly"
        r"|not\s+particularly|not\s+the\s+most|not\s+what\s+(?:i|you|we)['’]?d\s+call)\s+"
        r"(?:(?:the|an?|being|very|that|so|particularly|exactly|what\s+i['’]d\s+call)\s+)*"
        rf"['\"‘“]?(?:{_PRAISE_WORDS})\b",
        -2.3,
    ),
    # ---- advice to go elsewhere, said politely -----------------------------------------------
    _c(
        "would not choose",
        rf"\b(?:would\s*{_NOT}|wouldn['’]?t|won['’]?t|will\s+not|(?:i|we)['’]d\s+never|never)\s+"
        r"(?:\w+\s+){0,2}?(?:choose|pick|send|go\s+back|return|recommend)\b",
        -2.5,
    ),
    _c(
        "advice to avoid",
        r"\bavoid\b|\bsteer\s+clear\b|\bstay\s+away\b|\blook(?:ing)?\s+elsewhere\b"
        r"|\bgive\s+(?:\w+\s+){0,3}?a\s+miss\b|\bthink\s+(?:twice|carefully|very\s+carefully)\b"
        r"|\bbe\s+(?:aware|warned)\b|\bbeware\b|\bwith\s+a\s+pinch\s+of\s+salt\b"
        r"|\bmake\s+of\s+that\s+what\s+you\s+will\b|\benough\s+said\b"
        r"|\bdon['’]?t\s+want\s+to\s+put\s+you\s+off\b|\bnot\s+the\s+same\s+school\b"
        r"|\bisn['’]?t\s+the\s+school\s+(?:it|the)\b|\bchanging\s+(?:it|my\s+review)\s+to\s+(?:1|one)\b",
        -2.3,
    ),
    # ---- a service that does not happen --------------------------------------------------------
    _c(
        "no reply",
        r"\b(?:no|never\s+(?:a|any)|not\s+(?:a|one|any|once\s+a)|without\s+(?:a|any)|little)\s+"
        r"(?:\w+\s+)?(?:reply|replies|response|answer|acknowledgement|acknowledgment|explanation"
        r"|update|word|letter|call|call\s?back|message|refund|apology|feedback|warning|notice"
        r"|opportunity\s+to\s+comment)\b",
        -2.3,
    ),
    _c(
        "never done",
        rf"\b(?:never|not\s+once|nothing\s+(?:ever\s+)?(?:gets|got|was|has\s+been|is))\s+"
        rf"(?:once\s+|actually\s+|even\s+|been\s+|ever\s+|properly\s+)*{_SERVICE}\b"
        rf"|\b(?:ha(?:ve|s|d)n['’]?t|ha(?:ve|s|d)\s+not|(?:was|were)(?:n['’]?t|\s+not)|not)\s+"
        rf"(?:yet\s+|even\s+|properly\s+|actually\s+)?(?:been\s+)?{_SERVICE}\b"
        r"|\bnothing\s+(?:happened|further|changed|has\s+changed|came\s+of\s+it)\b"
        r"|\b(?:heard|had)\s+nothing\b|\bnever\s+heard\s+a\s+thing\b|\bnot\s+heard\s+a\s+thing\b"
        r"|\bnever\s+(?:actually\s+)?available\b|\bnobody\s+(?:was\s+)?(?:free|available|behind)\b",
        -2.3,
    ),
    _c(
        "nobody answers",
        r"\b(?:nobody|no\s+one|no-one)\s+(?:from\s+the\s+school\s+)?(?:has\s+|had\s+|seems\s+|ever\s+"
        r"|even\s+|actually\s+|bothered\s+to\s+|thought\s+to\s+)*(?:told|tell|got\s+back|gets\s+back"
        r"|replied|replies|answered|answers|said\s+a\s+word|explained|willing|able|bothers?|checking"
        r"|checked|came\s+back|listen\w*|cares?|knew|seemed\s+to\s+know|informed|called|rang)\b"
        r"|\bthe\s+first\s+(?:we|i)\s+(?:heard|knew|found\s+out)\b|\b(?:found|find)\s+out\s+"
        r"(?:about\s+\w+\s+)?(?:from|on|via|through)\s+(?:the\s+)?(?:kids|children|facebook|\w+\s+"
        r"(?:page|group|parents))\b|\bleft\s+in\s+the\s+dark\b",
        -2.3,
    ),
    _c(
        "still waiting",
        r"\bstill\s+(?:waiting|no\b|not\b|nothing|haven['’]?t|hasn['’]?t|have\s+not|has\s+not"
        r"|being\s+(?:looked|sorted)|chasing|unresolved|without)"
        rf"|\b(?:it['’]?s|it\s+is)\s+(?:now\s+)?{_MONTH}\b"
        r"|\b(?:being|be)\s+(?:looked\s+at|looked\s+into|sorted)\b(?!\s+(?:straight|quickly|at\s+once))"
        r"|\bkeep\s+an\s+eye\s+on\s+it\b|\bpass(?:ed)?\s+it\s+on\b|\bshouldn['’]?t\s+need\s+chasing\b",
        -2.3,
    ),
    _c(
        "broken promise",
        r"\b(?:we\s+were|i\s+was|were|was|been)\s+(?:told|promised|assured)\b[^.!?\n]{0,80}?"
        r"\b(?:would|'d|’d|will|there\s+was|there['’]?d|was\s+going\s+to)\b"
        r"|\b(?:lots\s+of|empty|broken)\s+promises\b|\bpromised\s+(?:at|in|that|us|me)\b"
        r"|\bthe\s+reply\s+i\s+was\s+promised\b",
        -2.0,
    ),
    # ---- things getting worse, or the same thing again ---------------------------------------
    _c(
        "getting worse",
        r"\b(?:(?:has|have|had)\s+)?(?:declined|deteriorated|slipped|gone\s+downhill|got\s+worse"
        r"|worsened)\b|\bgetting\s+worse\b|\b(?:fallen|fall|fell|dropped)\s+(?:for\s+(?:a\s+)?"
        r"(?:second|third|fourth)|again|to\s+\d+|every\s+year)\b|\bdowngraded\b"
        r"|\bbelow\s+(?:the\s+)?(?:national|local|county|expected|borough)\s+(?:average|figure|level"
        r"|standard)\b|\b(?:among(?:st)?\s+)?the\s+lowest\b|\bamong(?:st)?\s+(?:the\s+)?lowest\b"
        r"|\b(?:highest|most)\s+(?:rates?\s+of\s+|number\s+of\s+)?(?:\w+\s+)?"
        r"(?:suspensions|exclusions?|absence|complaints)\b|\bcoasting\b|\bisn['’]?t\s+stretched\b"
        r"|\bnot\s+(?:being\s+)?(?:stretched|challenged)\b|\bused\s+to\s+be\b",
        -2.0,
    ),
    _c(
        "again and again",
        r"\b(?:second|third|fourth|fifth|sixth|\d+(?:st|nd|rd|th))\s+(?:time|year\s+running"
        r"|departure|head|supply\s+teacher|different)\b|^\W*every\s+(?:single\s+)?(?:year|time|week|term)\W*$|\byet\s+again\b"
        r"|\b(?:several|\w+)\s+different\s+(?:\w+\s+)?(?:teachers|supply|heads|staff)\b"
        r"|\brevolving\s+door\b|\b(?:high|staff)\s+turnover\b|\bturnover\s+of\s+staff\b"
        r"|\bteachers\s+(?:have\s+)?(?:left|leaving)\b|\bon\s+supply\b"
        r"|\b(?:run\s+of|string\s+of|series\s+of|lots\s+of|so\s+many)\s+supply\b",
        -2.0,
    ),
    # ---- people leaving, children going without ------------------------------------------------
    _c(
        "families leaving",
        r"\b(?:pulled|took|taken|moved|moving|withdr[ae]w\w*|withdrawn)\s+(?:\w+\s+){0,3}?"
        r"(?:out\b|(?:their|his|her|our|my)\s+(?:own\s+)?(?:children|child|kids|son|daughter)\b)"
        r"|\bwe\s+left\b|\bmoved\s+(?:him|her|them|ds|dd)\s+to\b",
        -1.8,
    ),
    _c(
        "going without",
        r"\b(?:hungry|starving)\b|\b(?:ran|run|runs|running)\s+out\b|\bunderstaffed\b"
        r"|\bfree\s+for\s+all\b|\bblack\s+hole\b|\b(?:can['’]?t|cannot|couldn['’]?t|not\s+everyone\s+can"
        r"|unable\s+to)\s+(?:afford|keep\s+up|cope)\b|\b(?:out\s+of|beyond)\s+(?:the\s+staff['’]?s?\s+)?"
        r"control\b|\bnobody\s+(?:seems\s+)?willing\b|\b(?:doesn['’]?t|does\s+not|don['’]?t|do\s+not)"
        r"\s+(?:really\s+)?(?:offer|provide|keep\s+spares|do\s+one[- ]to[- ]ones)"
        r"|\b(?:doesn['’]?t|does\s+not|didn['’]?t)\s+exist\b",
        -2.0,
    ),
    _c(
        "short notice",
        r"\b(?:(?:a|one|two|three|\d+)\s+)?(?:day|days|hour|hours|week|weeks)['’]?\s+notice\b"
        r"|\b(?:three|four|five|six|seven|several|many|\d+)\s+times\s+(?:now|this|since|in\s+(?:a|one"
        r"|the\s+last))\b|\btwice\s+(?:now|since)\b|\b(?:being|were|was|are|is|get|got)\s+sent\s+home\b"
        r"|\bat\s+(?:the\s+)?last\s+minute\b|\bcharged\s+(?:for|£|us)\b|\bnew\s+request\s+for\s+money\b",
        -1.5,
    ),
    # ---- official findings and reports ---------------------------------------------------------
    _c(
        "an adverse finding",
        r"\bnot\s+effective\b|\b(?:was|were|is|judged|found)\s+(?:to\s+be\s+)?not\s+met\b"
        r"|\bneeds?\s+attention\b|\burgent\s+improvement\b|\bimprovement\s+(?:is\s+)?necessary\b"
        r"|\brequir\w*\s+(?:significant|major|urgent|substantial)\s+improvement\b"
        r"|\b(?:estyn|special)\s+review\b|\bcausing\s+concern\b|\b(?:needs?|needed)\s+to\s+"
        r"(?:strengthen|improve|address|tackle)\b|\b(?:one|two|1|2)[- ]star\s+(?:food\s+)?hygiene"
        r"|\bhygiene\s+rating\s+of\s+(?:one|two|1|2|zero|0)\b|\bfailings\b|\bnot\s+properly\b",
        -2.3,
    ),
    _c(
        "complaints and concerns",
        r"\b(?:parents|families|residents|staff|teachers|neighbours)\s+(?:have\s+)?(?:repeatedly\s+)?"
        r"(?:complained|criticised|questioned|objected|protested|raised\s+concerns|say\s+they)\b"
        r"|\b(?:criticised|critici[sz]ed|critisised|complaints?\s+(?:from|about)|concerns?\s+(?:about"
        r"|over|were|raised)|raised\s+concerns|(?:despite\s+)?(?:strong\s+)?opposition\s+from)\b|\bcontroversially\b"
        r"|\bangry\s+(?:over|about|at)\b",
        -1.8,
    ),
    # ---- politeness that is a complaint --------------------------------------------------------
    _c(
        "polite complaint",
        r"\bwould\s+(?:have\s+)?been\s+nice\b|\bwould\s+be\s+nice\s+if\b|\bnot\s+ideal\b"
        r"|\bwhat(?:['’]s|\s+is)\s+the\s+point\b|\bwhy\s+is\s+it\s+always\b|\bnot\s+being\s+funny\b"
        r"|\bwith\s+(?:all\s+due\s+)?respect\b|\bi\s+appreciate\s+(?:they|you)['’]?re\s+busy\b"
        r"|\bshame\s+(?:about|that|the|it|they|you|we|nobody)\b|\bpity\s+(?:about|that|the)\b"
        r"|\b(?:can|could)\s+(?:we|someone|somebody|the\s+school|you|the\s+staff|staff)\s+(?:please\s+)?"
        r"(?:look\s+into|sort|stop|explain|get\s+some|order|tell\s+us)\b"
        r"|^\W*maybe\s+(?:before|update|try|you|the\s+school|someone)\b",
        -2.0,
    ),
    # ---- sarcasm -------------------------------------------------------------------------------
    _c(
        "sarcasm",
        r"^\W*(?:i\s+)?(?:love|adore)\s+how\b"
        r"|\b(?:great|brilliant|fantastic|perfect|ideal|wonderful|lovely)\s+(?:\w+\s+){0,3}?"
        r"if\s+you\s+(?:like|love|enjoy|want)\b"
        r"|^\W*(?:genius|right|classic|priceless|marvellous|fab)\W*$"
        r"|\bthe\s+famous\b|\b(?:brilliant|great|perfect|ideal)\s+for\s+working\s+parents\b"
        r"|\btell\s+that\s+to\b|\bmade\s+me\s+laugh\b"
        rf"|\b(?:the|their|its|our|your|so[- ]called|this)\s+['\"‘“](?:[^'\"’”]{{0,30}}?\b)?"
        rf"(?:{_PRAISE_QUOTED})\b[^'\"’”]{{0,30}}['\"’”]",
        -2.3,
    ),
)

DOMAIN_WORDS: tuple[Construction, ...] = (
    _c(
        "trust",
        r"\b(?:the|its|our|an?|academy|learning|education|schools?|multi-academy|diocesan|primary)"
        r"\s+trust\b|\b(?-i:[A-Z]\w+)\s+(?-i:Trust)\b|^\W*(?-i:Trust)\b",
        0.0,
    ),
    _c("free school", r"\bfree\s+school(?:\s+meals)?\b", 0.0),
    _c(
        "care",
        r"\b(?:wrap-?around|before[- ]school|after[- ]school|holiday|child)\s+care\b"
        r"|\bhealth\s+and\s+care\s+plans?\b",
        0.0,
    ),
    _c(
        "school fair",
        r"\b(?:summer|christmas|winter|spring|school|book|easter|pta)\s+fair\b|\bthe\s+fair\b",
        0.0,
    ),
    _c("drop-off", r"\bdrop[- ]?offs?\b", 0.0),
    _c("spam folder", r"\b(?:spam|junk)\s+(?:folder|filter|box)\b|\byour\s+(?:spam|junk)\b", 0.0),
    _c("school support", r"\b(?:sen|send|aln|learning|pastoral)\s+support\b", 0.0),
    _c("stall", r"\b(?:bake|cake|book|craft|tombola|raffle|plant|toy)\s+stalls?\b", 0.0),
    _c(
        "good or bad",
        r"\bgood\s+or\s+bad\b|\bany\s+good\b|\bmixed\s+(?:things|reviews|views)\b",
        0.0,
    ),
    _c("a title", r"\b(?-i:Miss)\s+(?-i:[A-Z])[\w'’-]+", 0.0),
    _c("Greater", r"\b(?-i:Greater)\s+(?-i:[A-Z])\w+", 0.0),
    _c("drill", r"\b(?:fire|lockdown|evacuation)\s+(?:drill|practice|alarm)s?\b", 0.0),
    _c(
        "nobody hurt",
        r"\b(?:no\s+one|nobody|no-one|no\s+(?:pupils?|children|child|staff))\s+(?:was|were)\s+"
        r"(?:hurt|injured|harmed)\b|\bno\s+risk\s+to\b",
        0.0,
    ),
)
