//! `minik init`'s questions, the only place minik asks anything (dialoguer, on stderr so stdout
//! stays free). Each question shows its default and Enter takes it; questions whose answer came
//! as a flag are not asked. The decisions behind the defaults live in `crate::init`.

use std::path::{Path, PathBuf};

use console::Term;
use dialoguer::theme::ColorfulTheme;
use dialoguer::{Confirm, Input, Select};

use crate::msg;

use crate::error::Error;
use crate::i18n::{Key, Lang, Msg};
use crate::init::{
    folder, parse_ports, ports_text, render_in, Answers, Given, Offer, PublishPort, Reply,
    MOUNT_CONTAINER_PATH,
};

/// Asks what `given` leaves open. `doctor` is the doctor's text for this machine, shown first;
/// `None` back means the person chose not to go on after failed checks.
pub(crate) fn ask(
    given: &Given,
    offer: &Offer,
    doctor: &str,
    lang: Lang,
) -> Result<Option<Reply>, Error> {
    let q = Questions {
        term: Term::stderr(),
        theme: ColorfulTheme::default(),
        lang,
    };
    q.say(&format!("{}\n", q.text(&msg!(Key::InitChecking))))?;
    q.say(doctor)?;
    if !offer.can_create && !q.confirm(&msg!(Key::InitWriteAnyway), true)? {
        return Ok(None);
    }
    let name = match &given.name {
        Some(n) => n.clone(),
        None => q.name(offer)?,
    };
    let nodes = match given.nodes {
        Some(n) => n,
        None => q.nodes(offer)?,
    };
    let control_planes = match given.control_planes {
        Some(c) => c,
        None if nodes == 1 => 1,
        None => q.control_planes(nodes)?,
    };
    let answers = Answers {
        name,
        nodes: nodes.max(control_planes),
        control_planes,
        image: match &given.image {
            Some(i) => i.clone(),
            None => q.image(offer)?,
        },
        ports: match &given.ports {
            Some(p) => p.clone(),
            None => q.ports(offer)?,
        },
        mount: match &given.mount {
            Some(m) => m.clone(),
            None => q.mount()?,
        },
    };
    let output = match &given.output {
        Some(o) => o.clone(),
        None => q.output(&answers.name, given.force)?,
    };
    q.say(&format!("\n{}:\n", output.display()))?;
    q.show(&render_in(&answers, &output, lang))?;
    let create = match given.create {
        Some(c) => c,
        None => q.confirm(&msg!(Key::InitCreateNow), offer.can_create)?,
    };
    Ok(Some(Reply {
        answers,
        output,
        create,
    }))
}

/// One question each, on the terminal's stderr.
struct Questions {
    term: Term,
    theme: ColorfulTheme,
    lang: Lang,
}

impl Questions {
    /// A line in the person's language.
    fn text(&self, m: &Msg) -> String {
        m.in_lang(self.lang)
    }

    /// Prose wrapped to the terminal (lines starting with whitespace, and the doctor's table
    /// already wrapped, are kept as they are).
    fn say(&self, s: &str) -> Result<(), Error> {
        let width = crate::text::wrap::width();
        let mut text = crate::text::wrap::wrap(s, width).join("\n");
        if s.ends_with('\n') {
            text.push('\n');
        }
        self.term.write_line(&text).map_err(Error::from)
    }

    /// Text shown exactly as it is (the config file about to be written).
    fn show(&self, s: &str) -> Result<(), Error> {
        self.term.write_line(s).map_err(Error::from)
    }

    fn confirm(&self, prompt: &Msg, default: bool) -> Result<bool, Error> {
        Confirm::with_theme(&self.theme)
            .with_prompt(self.text(prompt))
            .default(default)
            .interact_on(&self.term)
            .map_err(prompt_error)
    }

    fn name(&self, offer: &Offer) -> Result<String, Error> {
        Input::<String>::with_theme(&self.theme)
            .with_prompt(self.text(&msg!(Key::InitName)))
            .default(offer.name.clone())
            .validate_with(|s: &String| {
                crate::config::name::validate_cluster_name(s).map_err(|e| self.text(&e.msg()))
            })
            .interact_on(&self.term)
            .map_err(prompt_error)
    }

    fn nodes(&self, offer: &Offer) -> Result<u32, Error> {
        Input::<u32>::with_theme(&self.theme)
            .with_prompt(self.text(&nodes_prompt(offer)))
            .default(offer.suggestion.nodes)
            .validate_with(|n: &u32| in_range(*n, 1, crate::config::MAX_NODES as u32, self.lang))
            .interact_on(&self.term)
            .map_err(prompt_error)
    }

    fn control_planes(&self, nodes: u32) -> Result<u32, Error> {
        Input::<u32>::with_theme(&self.theme)
            .with_prompt(self.text(&msg!(Key::InitControlPlanes)))
            .default(1)
            .validate_with(|n: &u32| in_range(*n, 1, nodes, self.lang))
            .interact_on(&self.term)
            .map_err(prompt_error)
    }

    fn image(&self, offer: &Offer) -> Result<Option<String>, Error> {
        let labels: Vec<String> = offer.choices.iter().map(|c| self.text(&c.label)).collect();
        let i = Select::with_theme(&self.theme)
            .with_prompt(self.text(&msg!(Key::InitVersion)))
            .items(&labels)
            .default(offer.default_choice)
            .interact_on(&self.term)
            .map_err(prompt_error)?;
        Ok(offer.choices.get(i).and_then(|c| c.image.clone()))
    }

    fn ports(&self, offer: &Offer) -> Result<Vec<PublishPort>, Error> {
        let text = Input::<String>::with_theme(&self.theme)
            .with_prompt(self.text(&msg!(Key::InitPorts)))
            .default(ports_text(&offer.ports))
            .validate_with(|s: &String| {
                none_or(s, |s| parse_ports(s).map(drop).map_err(|e| self.text(&e)))
            })
            .interact_on(&self.term)
            .map_err(prompt_error)?;
        Ok(if text.trim() == "-" {
            Vec::new()
        } else {
            parse_ports(&text).unwrap_or_default()
        })
    }

    fn mount(&self) -> Result<Option<PathBuf>, Error> {
        let text = Input::<String>::with_theme(&self.theme)
            .with_prompt(self.text(&msg!(Key::InitMount, path = MOUNT_CONTAINER_PATH)))
            .default("-".into())
            .validate_with(|s: &String| {
                none_or(s, |s| folder(s).map(drop).map_err(|e| self.text(&e)))
            })
            .interact_on(&self.term)
            .map_err(prompt_error)?;
        Ok(if text.trim() == "-" {
            None
        } else {
            folder(&text).ok()
        })
    }

    fn output(&self, name: &str, force: bool) -> Result<PathBuf, Error> {
        let suggested = crate::init::default_output(name, |p| p.exists());
        let text = Input::<String>::with_theme(&self.theme)
            .with_prompt(self.text(&msg!(Key::InitOutput)))
            .default(suggested.display().to_string())
            .validate_with(move |s: &String| {
                if Path::new(s).exists() && !force {
                    Err(self.text(&msg!(Key::InitOutputExists, path = s)))
                } else {
                    Ok(())
                }
            })
            .interact_on(&self.term)
            .map_err(prompt_error)?;
        Ok(PathBuf::from(text))
    }
}

/// The node question, with what this machine holds when the engine said.
pub(crate) fn nodes_prompt(offer: &Offer) -> Msg {
    match offer.capacity {
        Some((cpus, mem)) => msg!(
            Key::InitNodesRoom,
            most = offer.suggestion.most,
            cpus = cpus,
            mem = crate::platform::checks::gib(mem)
        ),
        None => msg!(Key::InitNodes),
    }
}

fn in_range(n: u32, low: u32, high: u32, lang: Lang) -> Result<(), String> {
    if (low..=high).contains(&n) {
        Ok(())
    } else {
        Err(msg!(Key::InitRange, low = low, high = high).in_lang(lang))
    }
}

fn none_or(s: &str, check: impl Fn(&str) -> Result<(), String>) -> Result<(), String> {
    if s.trim() == "-" {
        Ok(())
    } else {
        check(s)
    }
}

/// A prompt that could not run (the terminal went away, or Ctrl-C in raw mode).
fn prompt_error(e: dialoguer::Error) -> Error {
    let dialoguer::Error::IO(io) = e;
    if io.kind() == std::io::ErrorKind::Interrupted {
        return crate::signals::Cancelled(crate::signals::Signal::Interrupt).into();
    }
    crate::failure::Failure::Prompt {
        reason: io.to_string(),
        fallback: msg!(Key::PromptInitFallback),
    }
    .into()
}

/// Every line `minik init` shows around its questions, and the questions, in `lang` (for the
/// tests: each is what a branch of [`ask`] or the command prints).
#[cfg(test)]
pub(crate) fn every_line(offer: &Offer, lang: Lang) -> Vec<String> {
    let mut lines: Vec<Msg> = vec![
        msg!(Key::InitChecking),
        msg!(Key::InitWriteAnyway),
        msg!(Key::InitName),
        nodes_prompt(offer),
        msg!(Key::InitControlPlanes),
        msg!(Key::InitVersion),
        msg!(Key::InitPorts),
        msg!(Key::InitMount, path = MOUNT_CONTAINER_PATH),
        msg!(Key::InitOutput),
        msg!(Key::InitOutputExists, path = "minik.yaml"),
        msg!(Key::InitCreateNow),
        msg!(
            Key::InitNoTerminal,
            command = "minik init --name lab --nodes 3 --no-create"
        ),
        msg!(Key::InitProblems, doctor = "✗ 엔진 연결  ..."),
        msg!(
            Key::InitWrote,
            path = "minik.yaml",
            command = "  minik create --config minik.yaml"
        ),
    ];
    lines.extend("eighty".parse::<crate::init::PublishPort>().err());
    lines.extend(folder("/no/such/folder/here").err());
    for bad in ["", "Not A Name", "-lab", &"a".repeat(60)] {
        let e = crate::config::name::validate_cluster_name(bad).err();
        lines.extend(e.map(|e| e.msg()));
    }
    lines.extend(offer.choices.iter().map(|c| c.label.clone()));
    let mut out: Vec<String> = lines.iter().map(|m| m.in_lang(lang)).collect();
    out.extend(in_range(9, 1, 3, lang).err());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::{suggest, version_choices, LocalImage};

    fn offer(capacity: Option<(u64, u64)>, local: &[LocalImage]) -> Offer {
        let (choices, default_choice) = version_choices(local);
        Offer {
            name: "minik".into(),
            suggestion: suggest(capacity),
            capacity,
            choices,
            default_choice,
            ports: Vec::new(),
            can_create: true,
        }
    }

    /// Issue #22: every question and line of `minik init` in Korean, with each branch's
    /// values (an engine that answered or not, node images here or not), and no English but
    /// commands, names and values.
    #[test]
    fn every_question_and_line_reads_in_korean() {
        let here = [
            LocalImage::new("minik/node:v1.36.1", None),
            LocalImage::new("registry.local/node-image:latest", None),
        ];
        for o in [offer(Some((8, 16 << 30)), &here), offer(None, &[])] {
            let en = every_line(&o, Lang::En);
            let ko = every_line(&o, Lang::Ko);
            assert_eq!(en.len(), ko.len());
            for (en, ko) in en.iter().zip(&ko) {
                assert_ne!(en, ko, "not translated");
                let english = crate::i18n::leaks::english_words(ko);
                assert!(english.is_empty(), "English {english:?} in {ko:?}");
            }
        }
    }

    #[test]
    fn a_refused_name_says_the_same_as_the_error_in_english() {
        for bad in ["", "Not A Name", "-lab", &"a".repeat(60)] {
            if let Err(e) = crate::config::name::validate_cluster_name(bad) {
                assert_eq!(e.msg().to_string(), e.to_string());
            }
        }
    }

    #[test]
    fn the_node_question_says_what_this_machine_holds_in_both_languages() {
        let o = offer(Some((4, 8 << 30)), &[]);
        let most = o.suggestion.most;
        assert_eq!(
            nodes_prompt(&o).to_string(),
            format!("Nodes in all (this machine holds {most}: 4 CPUs, 8.0 GiB in the engine)")
        );
        assert_eq!(
            nodes_prompt(&o).in_lang(Lang::Ko),
            format!(
                "전체 노드 수(이 컴퓨터에 알맞은 최대 수 {most}개: 엔진의 CPU 4개, 메모리 8.0 GiB)"
            )
        );
    }
}
