//! The team policy: the rules every agent follows, kept in the team log (an
//! admin's `policy` event, `domain::roster::Trust`) instead of each agent's
//! config. While the log holds none, the agent's own `[review]`, `[labels]`
//! and `[tone]` are used (and `doctor` says so).
//!
//! A policy is TOML. Each section replaces the config's section of the same
//! name as a whole: a policy without `[review]` means nobody needs review,
//! whatever an agent's config says.

use super::Config;
use crate::domain::{review, tone};
use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TeamPolicy {
    /// Who must pass review before a reply goes out.
    #[serde(default)]
    pub review: review::Policy,
    /// The team's labels: name → colour.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Tone rules (added to the bundled ones), and whether findings block.
    #[serde(default)]
    pub tone: tone::Rules,
    /// Business hours, for response times and SLAs.
    #[serde(default)]
    pub hours: Option<Hours>,
    /// Service-level targets ("4h", "30m", "2d").
    #[serde(default)]
    pub sla: Sla,
    /// What runs by itself for the whole team (acknowledgements).
    #[serde(default)]
    pub automation: Option<super::automation::TeamAutomation>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Hours {
    /// An IANA time zone ("Europe/Berlin").
    pub timezone: String,
    /// Working days ("mon" … "sun").
    pub days: Vec<String>,
    /// Opening and closing time, "HH:MM".
    pub open: String,
    pub close: String,
    /// Days off ("2026-12-25"), not counted in response times and SLAs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holidays: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Sla {
    pub first_response: Option<String>,
    pub next_response: Option<String>,
    pub resolution: Option<String>,
    /// Targets for conversations with a label (`[sla.label.urgent]`);
    /// where several labels set one, the shortest counts.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub label: BTreeMap<String, SlaTargets>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SlaTargets {
    pub first_response: Option<String>,
    pub next_response: Option<String>,
    pub resolution: Option<String>,
}

impl SlaTargets {
    fn seconds(&self) -> crate::domain::insight::Targets {
        crate::domain::insight::Targets {
            first_response: self.first_response.as_deref().and_then(duration),
            next_response: self.next_response.as_deref().and_then(duration),
            resolution: self.resolution.as_deref().and_then(duration),
        }
    }
}

impl Sla {
    /// What is wrong, each as "sla.KEY: why".
    pub fn problems(&self) -> Vec<String> {
        let mut errors = Vec::new();
        let all = std::iter::once((
            "sla".to_string(),
            [&self.first_response, &self.next_response, &self.resolution],
        ))
        .chain(self.label.iter().map(|(l, t)| {
            (
                format!("sla.label.{l}"),
                [&t.first_response, &t.next_response, &t.resolution],
            )
        }));
        for (at, values) in all {
            for (name, v) in ["first_response", "next_response", "resolution"]
                .iter()
                .zip(values)
            {
                if let Some(v) = v
                    && duration(v).is_none()
                {
                    errors.push(format!(
                        "{at}.{name}: {v:?} is not a duration (such as 30m, 4h, 2d)"
                    ));
                }
            }
        }
        errors
    }

    /// The targets in seconds, as the insight code uses them.
    pub fn rules(&self) -> crate::domain::insight::SlaRules {
        crate::domain::insight::SlaRules {
            default: SlaTargets {
                first_response: self.first_response.clone(),
                next_response: self.next_response.clone(),
                resolution: self.resolution.clone(),
            }
            .seconds(),
            label: self
                .label
                .iter()
                .map(|(l, t)| (l.clone(), t.seconds()))
                .collect(),
        }
    }
}

/// Parses and checks a team policy; the error names every problem.
pub fn parse(text: &str) -> Result<TeamPolicy> {
    // toml's error names the line and shows it.
    let p: TeamPolicy =
        toml::from_str(text).map_err(|e| anyhow::anyhow!("{}", e.to_string().trim_end()))?;
    let mut errors = Vec::new();
    for (label, colour) in &p.labels {
        if !super::validate::is_colour(colour) {
            errors.push(format!("labels.{label}: {colour:?} is not a colour"));
        }
    }
    if let Some(h) = &p.hours {
        errors.extend(h.problems());
    }
    errors.extend(p.sla.problems());
    if !errors.is_empty() {
        bail!("{}", errors.join("; "));
    }
    Ok(p)
}

impl Hours {
    /// What is wrong with these hours, each as "hours.KEY: why".
    pub fn problems(&self) -> Vec<String> {
        let h = self;
        let mut errors = Vec::new();
        if h.timezone.parse::<chrono_tz::Tz>().is_err() {
            errors.push(format!(
                "hours.timezone: {:?} is not an IANA time zone",
                h.timezone
            ));
        }
        const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        for d in &h.days {
            if !DAYS.contains(&d.to_ascii_lowercase().as_str()) {
                errors.push(format!("hours.days: {d:?} is not a day (mon … sun)"));
            }
        }
        let open = minutes(&h.open);
        let close = minutes(&h.close);
        if open.is_none() {
            errors.push(format!("hours.open: {:?} is not a time (HH:MM)", h.open));
        }
        if close.is_none() {
            errors.push(format!("hours.close: {:?} is not a time (HH:MM)", h.close));
        }
        if let (Some(o), Some(c)) = (open, close)
            && o >= c
        {
            errors.push("hours: open must be before close".into());
        }
        for d in &h.holidays {
            if chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err() {
                errors.push(format!("hours.holidays: {d:?} is not a date (YYYY-MM-DD)"));
            }
        }
        errors
    }
    /// As the domain uses them (None: not valid; `parse` says why).
    pub fn business(&self) -> Option<crate::domain::hours::BusinessHours> {
        const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let mut days = [false; 7];
        for d in &self.days {
            let i = DAYS.iter().position(|x| x.eq_ignore_ascii_case(d))?;
            days[i] = true;
        }
        Some(crate::domain::hours::BusinessHours {
            tz: self.timezone.parse().ok()?,
            days,
            open: minutes(&self.open)?,
            close: minutes(&self.close)?,
            holidays: self
                .holidays
                .iter()
                .filter_map(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .collect(),
        })
    }
}

/// "HH:MM" → minutes after midnight.
fn minutes(s: &str) -> Option<u32> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 && s.trim().len() == 5).then_some(h * 60 + m)
}

/// "30m", "4h", "2d" → seconds (at most a year).
pub fn duration(s: &str) -> Option<i64> {
    let s = s.trim();
    let unit = s.chars().last()?;
    let n: i64 = s.get(..s.len() - unit.len_utf8())?.parse().ok()?;
    let secs = n.checked_mul(match unit {
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return None,
    })?;
    (1..=366 * 86_400).contains(&secs).then_some(secs)
}

impl TeamPolicy {
    /// The agent's config with the team's rules in place of their own.
    pub fn apply_to(&self, cfg: &mut Config) {
        cfg.review = self.review.clone();
        cfg.labels = self.labels.clone();
        cfg.tone = self.tone.clone();
        if self.hours.is_some() {
            cfg.hours = self.hours.clone();
        }
        if self.sla != Sla::default() {
            cfg.sla = self.sla.clone();
        }
        if let Some(a) = &self.automation {
            a.apply_to(&mut cfg.automation);
        }
    }

    /// A first policy from an agent's config: what the team has used so far.
    pub fn from_config(cfg: &Config) -> TeamPolicy {
        TeamPolicy {
            review: cfg.review.clone(),
            labels: cfg.labels.clone(),
            tone: cfg.tone.clone(),
            hours: cfg.hours.clone(),
            sla: cfg.sla.clone(),
            automation: None,
        }
    }

    /// As TOML, with a commented example of the sections not set.
    pub fn to_toml(&self) -> String {
        let mut out = String::from(
            "# The team policy: every agent's replypad follows it. Only an admin can change it\n\
             # (`replypad team policy edit`). Each section replaces the agent's own config section.\n\n",
        );
        let mut body = toml::to_string_pretty(self).unwrap_or_default();
        if self.labels.is_empty() {
            body = body.replacen("[labels]\n", "[labels]\n# billing = \"yellow\"\n", 1);
        }
        if self.sla == Sla::default() {
            body = body.replacen(
                "[sla]\n",
                "[sla]\n# first_response = \"4h\"\n# next_response = \"1d\"\n# resolution = \"3d\"\n",
                1,
            );
        }
        out.push_str(&body);
        if self.hours.is_none() {
            out.push_str(
                "\n# [hours]\n# timezone = \"Europe/Berlin\"\n# days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"]\n\
                 # open = \"09:00\"\n# close = \"17:30\"\n",
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policy_checks_every_section() {
        let p = parse(
            "[review]\nrequired = \"everyone\"\n[labels]\nbilling = \"red\"\n\
             [hours]\ntimezone = \"Europe/Berlin\"\ndays = [\"mon\"]\nopen = \"09:00\"\nclose = \"17:30\"\n\
             [sla]\nfirst_response = \"4h\"\n",
        )
        .unwrap();
        assert!(p.review.requires_review("anyone@x", &[]));
        let e = parse(
            "[labels]\nbilling = \"rouge\"\n[hours]\ntimezone = \"Mars/Base\"\ndays = [\"someday\"]\n\
             open = \"18:00\"\nclose = \"9\"\n[sla]\nresolution = \"forever\"\n",
        )
        .unwrap_err()
        .to_string();
        for bit in ["rouge", "Mars/Base", "someday", "hours.close", "forever"] {
            assert!(e.contains(bit), "{bit}: {e}");
        }
        assert!(parse("[reveiw]\n").is_err());
        assert!(parse("").is_ok());
    }

    #[test]
    fn durations() {
        assert_eq!(duration("30m"), Some(1800));
        assert_eq!(duration("2d"), Some(172_800));
        for bad in ["", "h", "0h", "-1h", "99999999999999999d", "4 h", "4x", "é"] {
            assert_eq!(duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_shown_policy_parses_back() {
        let p = parse("[review]\nrequired = \"everyone\"\n[labels]\nvip = \"#ff00aa\"\n").unwrap();
        assert_eq!(parse(&p.to_toml()).unwrap(), p);
    }

    proptest::proptest! {
        #[test]
        fn no_policy_text_panics(s in "\\PC{0,200}") {
            let _ = parse(&s);
        }
    }
}
