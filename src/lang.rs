//! The languages charts and reports are written in: every string they show, in one
//! table ([`Text::entry`]), and numbers written the way each language writes them.
//!
//! A region's planners and board read Swedish; researchers abroad read English, the
//! default. A string with `{0}`, `{1}` ... takes arguments ([`Lang::fill`]); each
//! language's version of a string has the same ones (a test checks).

use serde::{Deserialize, Serialize};

use crate::params::Param;

/// The language of charts and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Sv,
}

impl Lang {
    /// Every language, as the command line's `--lang` lists them.
    pub fn all() -> &'static [Lang] {
        <Lang as clap::ValueEnum>::value_variants()
    }

    /// The language whose [`Self::code`] is `code`.
    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::all().iter().copied().find(|l| l.code() == code)
    }

    /// The code of the language, as in HTML's `lang` and the CLI's `--lang`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Sv => "sv",
        }
    }

    /// `text` in this language.
    pub(crate) fn get(self, text: Text) -> &'static str {
        let [en, sv] = text.entry();
        match self {
            Lang::En => en,
            Lang::Sv => sv,
        }
    }

    /// `text` in this language with `{0}`, `{1}` ... replaced by `args`.
    pub(crate) fn fill(self, text: Text, args: &[&dyn std::fmt::Display]) -> String {
        // One pass over the template, so an argument's own text (a region's or a
        // scenario's name) is never read as a place for another.
        let template = self.get(text);
        let mut out = String::with_capacity(template.len() + 16);
        let mut rest = template;
        while let Some(i) = rest.find('{') {
            out.push_str(&rest[..i]);
            rest = &rest[i..];
            let arg = rest[1..]
                .find('}')
                .and_then(|end| rest[1..1 + end].parse::<usize>().ok().map(|k| (k, end)));
            match arg.and_then(|(k, end)| args.get(k).map(|a| (a, end))) {
                Some((a, end)) => {
                    out.push_str(&a.to_string());
                    rest = &rest[end + 2..];
                }
                None => {
                    out.push('{');
                    rest = &rest[1..];
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// A scenario's name as shown: the baseline in this language, others as named.
    pub(crate) fn scenario(self, name: &str) -> String {
        if name == crate::names::BASELINE_SCENARIO {
            self.get(Text::Baseline).to_string()
        } else {
            name.to_string()
        }
    }

    /// A noise mode's name (`binomial`, `expected`, `dlf`) as shown.
    pub(crate) fn mode(self, mode: &str) -> String {
        match mode {
            "expected" => self.get(Text::ModeExpected).to_string(),
            other => other.to_string(),
        }
    }

    /// A parameter's label on one line, as prose and tables show it.
    pub(crate) fn param_words(self, p: Param) -> String {
        self.param_label(p).join(" ").replace("- ", "")
    }

    /// A parameter's short label, in two lines (for a chart's narrow column).
    pub(crate) fn param_label(self, p: Param) -> [&'static str; 2] {
        let text = self.get(Text::Param(p));
        let (a, b) = text.split_once('|').unwrap_or((text, ""));
        [a, b]
    }

    /// `x` with `decimals` decimals: English as Rust writes it (`1234.5`), Swedish
    /// with a decimal comma and a no-break space between thousands (`1 234,5`).
    /// Years are not numbers to group: write them as they are.
    pub fn number(self, x: f64, decimals: usize) -> String {
        let plain = format!("{x:.decimals$}");
        match self {
            Lang::En => plain,
            Lang::Sv => {
                let (sign, digits) = match plain.strip_prefix('-') {
                    Some(rest) => ("\u{2212}", rest),
                    None => ("", plain.as_str()),
                };
                let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
                let mut grouped = String::new();
                for (i, c) in whole.chars().enumerate() {
                    if i > 0 && (whole.len() - i) % 3 == 0 {
                        grouped.push('\u{a0}');
                    }
                    grouped.push(c);
                }
                if frac.is_empty() {
                    format!("{sign}{grouped}")
                } else {
                    format!("{sign}{grouped},{frac}")
                }
            }
        }
    }

    /// A share as a percentage, `decimals` decimals and a (no-break) space before `%`.
    pub fn percent(self, share: f64, decimals: usize) -> String {
        format!("{}\u{a0}%", self.number(100.0 * share, decimals))
    }
}

/// Defines `Text` and its table from one list: each unit text once, with its
/// English and Swedish, so the enum, the list of every text and the table cannot
/// disagree.
macro_rules! texts {
    ($($name:ident => [$en:expr, $sv:expr $(,)?],)*) => {
        /// Every string a chart or a report shows.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Text {
            $($name,)*
            /// A parameter's short label, its two lines split by `|`.
            Param(Param),
            /// Where a parameter's default comes from.
            Source(Param),
        }

        impl Text {
            /// Every text without an argument of its own.
            const UNIT: &'static [Text] = &[$(Text::$name,)*];

            /// The table: each text in English and in Swedish.
            pub(crate) fn entry(self) -> [&'static str; 2] {
                match self {
                    $(Text::$name => [$en, $sv],)*
                    Text::Param(p) => param_entry(p),
                    Text::Source(p) => source_entry(p),
                }
            }
        }
    };
}

texts! {
    // The fan charts' metrics: a title's words and an axis.
    CoverageTitle => [
        "coverage of the GP guideline",
        "täckning av riktvärdet",
    ],
    CoverageAxis => [
        "Coverage of the guideline (%)",
        "Täckning av riktvärdet (%)",
    ],
    InhabitantsTitle => [
        "inhabitants per specialist FTE",
        "invånare per specialistheltid",
    ],
    InhabitantsAxis => [
        "Inhabitants per specialist FTE",
        "Invånare per specialistheltid",
    ],
    FteTitle => [
        "specialists in primary care",
        "specialister i primärvården",
    ],
    FteAxis => [
        "Specialists in primary care (FTE)",
        "Specialister i primärvården (heltider)",
    ],
    OutsideTitle => [
        "GP specialists working outside primary care",
        "specialister i allmänmedicin som arbetar utanför primärvården",
    ],
    OutsideAxis => [
        "Specialists outside primary care (heads)",
        "Specialister utanför primärvården (personer)",
    ],
    RetirementsTitle => [
        "retirements from primary care",
        "pensionsavgångar från primärvården",
    ],
    RetirementsAxis => [
        "Retirements a year (heads)",
        "Pensionsavgångar per år (personer)",
    ],
    CoverageTarget => [
        "target: 100 % of the guideline",
        "riktvärde: 100 %",
    ],
    InhabitantsTarget => [
        "1\u{a0}100 inhabitants per FTE",
        "1\u{a0}100 invånare per heltid",
    ],
    // Chart furniture.
    Year => [
        "Year",
        "År",
    ],
    Median => [
        "median",
        "median",
    ],
    Band5To95 => [
        "5–95 % of runs",
        "5–95 % av körningarna",
    ],
    Band25To75 => [
        "25–75 % of runs",
        "25–75 % av körningarna",
    ],
    OwnGoalSubtitle => [
        "Region's own goal: {0}. Share of runs at target by then: {1} %",
        "Regionens eget mål: {0}. Andel körningar som nått riktvärdet då: {1} %",
    ],
    QuantilesSubtitle => [
        "Runs: quantiles over all runs of each year, {0}–{1}",
        "Kvantiler över alla körningar för varje år, {0}–{1}",
    ],
    OwnGoalLine => [
        "region's own goal ({0})",
        "regionens eget mål ({0})",
    ],
    ScenariosTitle => [
        "{0} – scenarios, {1}",
        "{0} – scenarier, {1}",
    ],
    ScenariosSubtitle => [
        "Median and 25–75 % of runs; every scenario uses the baseline's runs (common random numbers)",
        "Median och 25–75 % av körningarna; alla scenarier använder basfallets körningar (gemensamma slumptal)",
    ],
    YearsTitle => [
        "Years from {0} until the guideline is met",
        "År från {0} tills riktvärdet nås",
    ],
    YearsAxis => [
        "Years to target: line P5–P95, box P25–P75, black bar median; arrow = beyond the horizon",
        "År till riktvärdet: linje P5–P95, låda P25–P75, svart streck median; pil = bortom horisonten",
    ],
    Sum => [
        "{0} (sum)",
        "{0} (summa)",
    ],
    Never => [
        "never: {0} %",
        "aldrig: {0} %",
    ],
    OverviewTitle => [
        "All regions – {0} by year (median, 25–75 % and 5–95 % of runs; dashed: target)",
        "Alla regioner – {0} per år (median, 25–75 % och 5–95 % av körningarna; streckat: riktvärde)",
    ],
    ProbabilityTitle => [
        "Share of runs that have reached the guideline, by year",
        "Andel körningar som har nått riktvärdet, per år",
    ],
    ShareOfRuns => [
        "% of runs",
        "% av körningarna",
    ],
    // The age pyramid.
    AgesTitle => [
        "{0} – specialists in primary care by age",
        "{0} – specialister i primärvården efter ålder",
    ],
    AgesSubtitle => [
        "{0} (left) and {1} (right): mean heads over runs; line: 5–95 % of runs in {2}",
        "{0} (vänster) och {1} (höger): medelantal personer över körningarna; linje: 5–95 % av körningarna {2}",
    ],
    AgesAxis => [
        "Specialists (heads) at each age",
        "Specialister (personer) i varje ålder",
    ],
    Age => [
        "Age",
        "Ålder",
    ],
    MeanOf => [
        "{0} (mean)",
        "{0} (medel)",
    ],
    BandIn => [
        "{0}: 5–95 % of runs",
        "{0}: 5–95 % av körningarna",
    ],
    // Sensitivity.
    CoverageIn => [
        "coverage in {0}",
        "täckningen {0}",
    ],
    YearsToTarget => [
        "years to target",
        "år till riktvärdet",
    ],
    SensitivityTitle => [
        "{0} – what drives {1} ({2})",
        "{0} – vad som driver {1} ({2})",
    ],
    SensitivitySubtitle => [
        "Sobol indices, {0} samples: total order (light bar) and first order (dark bar), lines: bootstrap intervals",
        "Sobolindex, {0} urval: total ordning (ljus stapel) och första ordningen (mörk stapel), linjer: bootstrapintervall",
    ],
    SobolAxis => [
        "Sobol index (share of the output's variance)",
        "Sobolindex (andel av utfallets varians)",
    ],
    HeatmapTitle => [
        "Total-order Sobol index of {0}, by region and parameter ({1})",
        "Sobolindex av total ordning för {0}, per region och parameter ({1})",
    ],
    HeatmapSubtitle => [
        "Share of the output's variance a parameter explains, alone and with others; blank: not uncertain in that region",
        "Andel av utfallets varians som en parameter förklarar, ensam och med andra; tomt: inte osäker i den regionen",
    ],
    // The reports.
    Baseline => [
        "baseline",
        "basfall",
    ],
    ModeExpected => [
        "expected",
        "väntevärden",
    ],
    DataSum => [
        "Sverige is the sum of the regions: it has no row of its own.",
        "Sverige är summan av regionerna och har ingen egen rad.",
    ],
    ReportTitle => [
        "GP workforce against the 1/1100 guideline: {0}",
        "Allmänläkare mot riktvärdet 1/1100: {0}",
    ],
    ReportMeta => [
        "fastlakare {0} · mode {1} · {2} runs · seed {3} · base year {4} · horizon {5} years",
        "fastlakare {0} · läge {1} · {2} körningar · frö {3} · basår {4} · horisont {5} år",
    ],
    ReportIntro => [
        "Coverage is the guideline's own measure, (1100 × specialist FTE + 550 × ST trainees) / population; the target is met in the first year it reaches 100 %. Years count from the base year. Quantiles of years to target that fall among runs which never reach the target within the horizon are shown as <em>beyond horizon</em>, never as a number. Sverige is the run-by-run sum of the regions.",
        "Täckningen är riktvärdets eget mått, (1100 × specialistheltider + 550 × ST-läkare) / befolkning; målet nås det första år den når 100 %. År räknas från basåret. Kvantiler av år till målet som hamnar bland körningar som aldrig når målet inom horisonten visas som <em>bortom horisonten</em>, aldrig som ett tal. Sverige är summan av regionerna, körning för körning.",
    ],
    Summary => [
        "Summary",
        "Sammanfattning",
    ],
    ScenarioHeading => [
        "Scenario: {0}",
        "Scenario: {0}",
    ],
    Charts => [
        "Charts",
        "Diagram",
    ],
    SensitivityHeading => [
        "Which uncertainty matters",
        "Vilken osäkerhet som spelar roll",
    ],
    SensitivityIntro => [
        "Sobol indices from <code>fastlakare sensitivity</code>: the share of the output's variance across runs that each uncertain parameter explains, alone (first order) or with its interactions (total order). See docs/sensitivity.md.",
        "Sobolindex från <code>fastlakare sensitivity</code>: den andel av utfallets varians mellan körningarna som varje osäker parameter förklarar, ensam (första ordningen) eller med sina samspel (total ordning). Se docs/sensitivity.md.",
    ],
    ColCode => [
        "code",
        "kod",
    ],
    ColRegion => [
        "region",
        "region",
    ],
    ColRuns => [
        "runs",
        "körningar",
    ],
    ColYearsQ => [
        "{0} years",
        "{0} år",
    ],
    ColMedianYears => [
        "median years",
        "år (median)",
    ],
    ColNever => [
        "never within horizon",
        "aldrig inom horisonten",
    ],
    ColReachedBy => [
        "reached by {0}",
        "nått senast {0}",
    ],
    ColOwnGoal => [
        "own goal",
        "eget mål",
    ],
    ColReachedByOwnGoal => [
        "reached by own goal",
        "nått senast vid eget mål",
    ],
    BeyondHorizon => [
        "beyond horizon",
        "bortom horisonten",
    ],
    RegionTitle => [
        "{0}: GP specialists in primary care against the guideline",
        "{0}: specialister i allmänmedicin i primärvården mot riktvärdet",
    ],
    RegionMeta => [
        "fastlakare {0} · {1} runs · base year {2} · horizon {3} years ({4})",
        "fastlakare {0} · {1} körningar · basår {2} · horisont {3} år ({4})",
    ],
    ReachHeading => [
        "Does the region reach the guideline?",
        "Når regionen riktvärdet?",
    ],
    ReachMedian => [
        "In half the runs the region meets the guideline in {0} ({1} years from {2}) or later.",
        "I hälften av körningarna når regionen riktvärdet {0} ({1} år efter {2}) eller senare.",
    ],
    ReachMedianNever => [
        "In at least half the runs the region does not meet the guideline within the horizon (by {0}).",
        "I minst hälften av körningarna når regionen inte riktvärdet inom horisonten (till {0}).",
    ],
    ReachEarly => [
        "In one run in twenty it is met by {0} or earlier.",
        "I en körning av tjugo nås det {0} eller tidigare.",
    ],
    ReachNever => [
        "In {0} of the runs it is never met within the horizon.",
        "I {0} av körningarna nås det aldrig inom horisonten.",
    ],
    ReachNone => [
        "In none of the runs does the region meet the guideline within the horizon (by {0}).",
        "I ingen av körningarna når regionen riktvärdet inom horisonten (till {0}).",
    ],
    ReachOwnGoal => [
        "The region's own goal is {0}: {1} of the runs have met the guideline by then.",
        "Regionens eget mål är {0}: {1} av körningarna har nått riktvärdet då.",
    ],
    ReachTarget => [
        "The guideline: coverage, (1\u{a0}100 × specialist FTE + 550 × ST trainees) / inhabitants, at 100 %: one full-time GP specialist per 1\u{a0}100 inhabitants, a trainee counting as half of one.",
        "Riktvärdet: täckningen, (1\u{a0}100 × specialistheltider + 550 × ST-läkare) / invånare, når 100 %: en heltidsarbetande specialist i allmänmedicin per 1\u{a0}100 invånare, där en ST-läkare räknas som en halv.",
    ],
    ColYear => [
        "year",
        "år",
    ],
    ColShareReached => [
        "share of runs at the guideline by then",
        "andel körningar som nått riktvärdet",
    ],
    ColCoverageMedian => [
        "coverage, median",
        "täckning, median",
    ],
    ColCoverageBand => [
        "coverage, 5–95 % of runs",
        "täckning, 5–95 % av körningarna",
    ],
    OwnGoalMark => [
        "{0} (own goal)",
        "{0} (eget mål)",
    ],
    AgesHeading => [
        "Ages, retirements and specialists outside primary care",
        "Åldrar, pensionsavgångar och specialister utanför primärvården",
    ],
    AgesIntro => [
        "The specialists in primary care by age today and later; those who work outside primary care (who could be won back); and the retirements from primary care each year.",
        "Specialisterna i primärvården efter ålder i dag och senare; de som arbetar utanför primärvården (och skulle kunna vinnas tillbaka); och pensionsavgångarna från primärvården varje år.",
    ],
    SolveHeading => [
        "What it would take",
        "Vad som krävs",
    ],
    SolveNeeded => [
        "To meet the guideline by {0} in at least {1} of the runs, the region needs {2} ST trainees in post (today {3}), an intake of about {4} a year.",
        "För att nå riktvärdet senast {0} i minst {1} av körningarna behöver regionen {2} ST-läkare i tjänst (i dag {3}), ett intag på omkring {4} per år.",
    ],
    SolveNone => [
        "No level up to {0} ST trainees in post meets the guideline by {1} in at least {2} of the runs (at {0}: {3}).",
        "Ingen nivå upp till {0} ST-läkare i tjänst når riktvärdet senast {1} i minst {2} av körningarna (vid {0}: {3}).",
    ],
    DriversHeading => [
        "What matters most",
        "Vad som spelar störst roll",
    ],
    DriversIntro => [
        "The three uncertain parameters that explain most of the variance of {0} across runs (Sobol indices, with bootstrap intervals).",
        "De tre osäkra parametrar som förklarar mest av variansen i {0} mellan körningarna (Sobolindex, med bootstrapintervall).",
    ],
    ColParameter => [
        "parameter",
        "parameter",
    ],
    ColTotalOrder => [
        "total order",
        "total ordning",
    ],
    ColFirstOrder => [
        "first order",
        "första ordningen",
    ],
    ScenariosHeading => [
        "Scenarios against the baseline",
        "Scenarier mot basfallet",
    ],
    ScenariosIntro => [
        "Each scenario runs the baseline's runs with one policy changed (common random numbers), so the differences are the policy's.",
        "Varje scenario kör basfallets körningar med en åtgärd ändrad (gemensamma slumptal), så skillnaderna är åtgärdens.",
    ],
    ColScenario => [
        "scenario",
        "scenario",
    ],
    ColChangePoints => [
        "change (percentage points)",
        "förändring (procentenheter)",
    ],
    ColPByGoal => [
        "P(at the guideline by {0})",
        "P(riktvärdet nått {0})",
    ],
    ColCoverageIn => [
        "median coverage {0}",
        "mediantäckning {0}",
    ],
    AssumptionsHeading => [
        "The assumptions behind it",
        "Antagandena bakom",
    ],
    ColDistribution => [
        "distribution",
        "fördelning",
    ],
    ColScope => [
        "drawn",
        "dras",
    ],
    ColSource => [
        "source",
        "källa",
    ],
    ScopeNational => [
        "once for all regions",
        "gemensamt för alla regioner",
    ],
    ScopeRegion => [
        "per region",
        "per region",
    ],
    RegionOverride => [
        "{0} (this region's own)",
        "{0} (regionens egen)",
    ],
    RetirementAge => [
        "retirement age",
        "pensionsålder",
    ],
    RecruitAge => [
        "age of recruits",
        "ålder vid rekrytering",
    ],
    DataHeading => [
        "The region's data",
        "Regionens data",
    ],
    DataMissing => [
        "The data file {0} is no longer there.",
        "Datafilen {0} finns inte längre.",
    ],
    Notes => [
        "notes",
        "anteckningar",
    ],
    ProvenanceHeading => [
        "Provenance",
        "Ursprung",
    ],
    ProvVersion => [
        "fastlakare version",
        "fastlakare-version",
    ],
    ProvCommit => [
        "commit",
        "commit",
    ],
    ProvConfig => [
        "config file",
        "konfigurationsfil",
    ],
    ProvHash => [
        "config SHA-256",
        "konfigurationens SHA-256",
    ],
    ProvData => [
        "data file",
        "datafil",
    ],
    ProvSeed => [
        "seed",
        "slumpfrö",
    ],
    ProvRuns => [
        "runs",
        "körningar",
    ],
    ProvMode => [
        "mode",
        "beräkningsläge",
    ],
    Unknown => [
        "not recorded",
        "inte registrerat",
    ],
    DistFixed => [
        "fixed {0}",
        "fast {0}",
    ],
    DistUniform => [
        "uniform {0}–{1}",
        "likformig fördelning {0}–{1}",
    ],
    DistTriangular => [
        "triangular {0} / {1} / {2}",
        "triangelfördelning {0} / {1} / {2}",
    ],
    DistNormal => [
        "normal, mean {0}, sd {1}",
        "normalfördelning, medelvärde {0}, sd {1}",
    ],
    DistNormalIn => [
        "normal, mean {0}, sd {1}, within {2}–{3}",
        "normalfördelning, medelvärde {0}, sd {1}, inom {2}–{3}",
    ],
    DistLognormal => [
        "lognormal, mean {0}, sd {1}",
        "lognormalfördelning, medelvärde {0}, sd {1}",
    ],
    DistBeta => [
        "beta, mean {0}, sd {1}",
        "betafördelning, medelvärde {0}, sd {1}",
    ],
    DistGamma => [
        "gamma, mean {0}, sd {1}",
        "gammafördelning, medelvärde {0}, sd {1}",
    ],
    DistDerived => [
        "derived from the share in primary care",
        "härledd ur andelen i primärvården",
    ],
}

impl Text {
    /// Every text: the unit ones, then one per parameter (its label and its source).
    pub(crate) fn all() -> Vec<Text> {
        let mut all = Text::UNIT.to_vec();
        all.extend(Param::ALL.iter().map(|&p| Text::Param(p)));
        all.extend(Param::ALL.iter().map(|&p| Text::Source(p)));
        all
    }
}

fn param_entry(p: Param) -> [&'static str; 2] {
    match p {
        Param::StDurationMeanYears => ["ST duration|mean", "ST-tid,|medel"],
        Param::StDurationSdYears => ["ST duration|sd", "ST-tid,|sd"],
        Param::DropoutShare => ["dropout|share", "andel|avhopp"],
        Param::PrimaryCareUptake => ["primary-care|uptake", "val av|primärvård"],
        Param::CareerYears => ["career|years", "karriär|år"],
        Param::AttritionPerYear => ["attrition|per year", "avgång|per år"],
        Param::FteNew => ["FTE|new", "tjänstgöringsgrad,|nya"],
        Param::FteInitial => ["FTE|initial", "tjänstgöringsgrad,|dagens"],
        Param::IntakeGrowthPerYear => ["intake|growth", "ökning av|intaget"],
        Param::PopGrowthMultiplier => ["population|growth ×", "befolknings-|ökning ×"],
        Param::PopGrowthPerYear => ["population|growth", "befolknings-|ökning"],
        Param::PublicShare => ["public|share", "andel|offentlig vård"],
        Param::PublicHeadcount => ["public|headcount", "antal i|offentlig vård"],
        Param::ShareInPrimaryCare => ["share in|primary care", "andel i|primärvården"],
        Param::AgeAtStStart => ["age at|ST start", "ålder vid|ST-start"],
        Param::IntakeGrowthYears => ["intake|growth years", "år med|ökat intag"],
        Param::ReturnRate => ["return|rate", "åter-|komst"],
        Param::RecruitsPerYear => ["recruits|per year", "rekryterade|per år"],
    }
}

fn source_entry(p: Param) -> [&'static str; 2] {
    match p {
        Param::StDurationMeanYears => [
            "DLF 2024: 8 years on average (5 nominal, stretched by parental leave and part-time)",
            "DLF 2024: 8 år i genomsnitt (5 nominellt, förlängt av föräldraledighet och deltid)",
        ],
        Param::StDurationSdYears | Param::DropoutShare => [
            "the model's specification (docs/model.md)",
            "modellens specifikation (docs/model.md)",
        ],
        Param::AgeAtStStart => [
            "DLF: trainees are often in their thirties",
            "DLF: ST-läkare är ofta i 30-årsåldern",
        ],
        Param::ShareInPrimaryCare => [
            "4\u{a0}400 of 7\u{a0}000 GP specialists worked in primary care in 2019 (Socialstyrelsen and Nationella vårdkompetensrådet, quoted by DLF)",
            "4\u{a0}400 av 7\u{a0}000 specialister i allmänmedicin arbetade i primärvården 2019 (Socialstyrelsen och Nationella vårdkompetensrådet, enligt DLF)",
        ],
        Param::PrimaryCareUptake => [
            "derived: the share in primary care over the share of a career spent there",
            "härledd: andelen i primärvården delat med den andel av en karriär som tillbringas där",
        ],
        Param::CareerYears => [
            "version 1 only (DLF's 1/25)",
            "endast version 1 (DLF:s 1/25)",
        ],
        Param::AttritionPerYear => [
            "12 % of new specialists had left primary care within a few years (docs/model.md)",
            "12 % av nya specialister hade lämnat primärvården inom några år (docs/model.md)",
        ],
        Param::ReturnRate => [
            "a policy lever (DLF: win back those working elsewhere)",
            "en åtgärd (DLF: vinna tillbaka dem som arbetar på annat håll)",
        ],
        Param::RecruitsPerYear => [
            "a policy lever (DLF: recruit from abroad, retrain other specialists)",
            "en åtgärd (DLF: rekrytera från utlandet, vidareutbilda andra specialister)",
        ],
        Param::FteNew => [
            "regions report 64-95 % of full time",
            "regionerna rapporterar 64-95 % av heltid",
        ],
        Param::FteInitial => [
            "used where the data has no FTE ratio",
            "används där data saknar heltidsandel",
        ],
        Param::IntakeGrowthPerYear => [
            "Halland: 90 to 120 posts 2022-2027, about 6 % a year",
            "Halland: 90 till 120 tjänster 2022-2027, omkring 6 % per år",
        ],
        Param::IntakeGrowthYears => [
            "growth for a number of years, then flat (docs/model.md)",
            "ökning under ett antal år, sedan oförändrat (docs/model.md)",
        ],
        Param::PopGrowthMultiplier => [
            "SCB: 0.62 % a year 2018-2023; SCB's 2024 projection about 0.25 % a year",
            "SCB: 0,62 % per år 2018-2023; SCB:s prognos 2024 omkring 0,25 % per år",
        ],
        Param::PopGrowthPerYear => [
            "given in a config in place of the multiplier",
            "anges i en konfiguration i stället för multiplikatorn",
        ],
        Param::PublicShare => [
            "public-only regions; Södermanland 0.62, Värmland 0.83 in the data's notes",
            "regioner med bara offentlig vård; Södermanland 0,62, Värmland 0,83 i datafilens anteckningar",
        ],
        Param::PublicHeadcount => [
            "a prior per region where the data has no count",
            "en fördelning per region där data saknar antal",
        ],
    }
}

/// The English phrases of the table whose Swedish differs: the pieces between a
/// string's arguments, five characters or longer, that the Swedish does not contain. A
/// Swedish chart or report that contains one has English left in it (the integration tests look).
#[doc(hidden)]
pub fn english_phrases() -> Vec<String> {
    let mut phrases: Vec<String> = Text::all()
        .into_iter()
        .map(Text::entry)
        .filter(|[en, sv]| en != sv)
        .flat_map(|[en, sv]| {
            en.split(['{', '}', '|'])
                .map(str::trim)
                .filter(move |p| p.chars().count() >= 5 && !sv.contains(p))
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    phrases.sort();
    phrases.dedup();
    phrases
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A language's code is its name on the command line, in configs and in
    /// manifests alike.
    #[test]
    fn codes_are_the_command_lines_and_the_manifests() {
        for &lang in Lang::all() {
            let name = clap::ValueEnum::to_possible_value(&lang).unwrap();
            assert_eq!(name.get_name(), lang.code());
            assert_eq!(Lang::from_code(lang.code()), Some(lang));
            assert_eq!(
                serde_json::to_string(&lang).unwrap(),
                format!("\"{}\"", lang.code())
            );
        }
        assert_eq!(Lang::all().len(), 2);
        assert_eq!(Lang::from_code("fr"), None);
    }

    /// The arguments `{0}`, `{1}` ... a string takes.
    fn arguments(s: &str) -> Vec<usize> {
        (0..10)
            .filter(|i| s.contains(&format!("{{{i}}}")))
            .collect()
    }

    /// Every string has a Swedish version, with the same arguments as the English.
    #[test]
    fn every_text_is_translated() {
        for text in Text::all() {
            let [en, sv] = text.entry();
            assert!(!en.trim().is_empty(), "{text:?} has no English");
            assert!(!sv.trim().is_empty(), "{text:?} has no Swedish");
            assert_eq!(arguments(en), arguments(sv), "{text:?}: arguments differ");
            assert_eq!(
                en.matches('|').count(),
                sv.matches('|').count(),
                "{text:?}: lines differ"
            );
            // The same in both only where Swedish says it so too.
            let same = [
                Text::Median,
                Text::ColRegion,
                Text::ColParameter,
                Text::ColScenario,
                Text::ScenarioHeading,
                Text::ProvCommit,
                Text::ScopeRegion,
            ];
            assert!(
                en != sv || same.contains(&text),
                "{text:?} is not translated"
            );
        }
    }

    #[test]
    fn swedish_numbers_have_a_decimal_comma_and_spaced_thousands() {
        assert_eq!(Lang::Sv.number(1234567.891, 1), "1\u{a0}234\u{a0}567,9");
        assert_eq!(Lang::Sv.number(12345.0, 0), "12\u{a0}345");
        assert_eq!(Lang::Sv.number(1100.0, 0), "1\u{a0}100");
        assert_eq!(Lang::Sv.number(950.0, 0), "950");
        assert_eq!(Lang::Sv.number(0.25, 2), "0,25");
        assert_eq!(Lang::Sv.number(-3.5, 1), "\u{2212}3,5");
        assert_eq!(Lang::Sv.percent(0.125, 1), "12,5\u{a0}%");
        assert_eq!(Lang::En.number(1234.5, 1), "1234.5");
        assert_eq!(Lang::En.percent(0.125, 1), "12.5\u{a0}%");
    }

    #[test]
    fn fill_puts_the_arguments_in_place() {
        assert_eq!(
            Lang::Sv.fill(Text::OwnGoalLine, &[&2030]),
            "regionens eget mål (2030)"
        );
        assert_eq!(Lang::En.param_label(Param::ReturnRate), ["return", "rate"]);
    }
}
