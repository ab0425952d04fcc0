//! `minik init`'s questions, the only place minik asks anything (dialoguer, on stderr so stdout
//! stays free). Each question shows its default and Enter takes it; questions whose answer came
//! as a flag are not asked. The decisions behind the defaults live in `crate::init`.

use std::path::{Path, PathBuf};

use console::Term;
use dialoguer::theme::ColorfulTheme;
use dialoguer::{Confirm, Input, Select};

use crate::error::Error;
use crate::init::{
    folder, parse_ports, ports_text, render, Answers, Given, Offer, PublishPort, Reply,
    MOUNT_CONTAINER_PATH,
};

/// Asks what `given` leaves open. `doctor` is the doctor's text for this machine, shown first;
/// `None` back means the person chose not to go on after failed checks.
pub(crate) fn ask(given: &Given, offer: &Offer, doctor: &str) -> Result<Option<Reply>, Error> {
    let q = Questions {
        term: Term::stderr(),
        theme: ColorfulTheme::default(),
    };
    q.say("Checking this machine first (the same checks as `minik doctor`):\n")?;
    q.say(doctor)?;
    if !offer.can_create
        && !q.confirm(
            "Some checks failed (each says how to fix it). Write a config anyway?",
            true,
        )?
    {
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
    q.show(&render(&answers, &output))?;
    let create = match given.create {
        Some(c) => c,
        None => q.confirm(
            "Create the cluster now? (the file is written either way)",
            offer.can_create,
        )?,
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
}

impl Questions {
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

    fn confirm(&self, prompt: &str, default: bool) -> Result<bool, Error> {
        Confirm::with_theme(&self.theme)
            .with_prompt(prompt)
            .default(default)
            .interact_on(&self.term)
            .map_err(prompt_error)
    }

    fn name(&self, offer: &Offer) -> Result<String, Error> {
        Input::<String>::with_theme(&self.theme)
            .with_prompt("Cluster name")
            .default(offer.name.clone())
            .validate_with(|s: &String| {
                crate::config::name::validate_cluster_name(s).map_err(|e| e.to_string())
            })
            .interact_on(&self.term)
            .map_err(prompt_error)
    }

    fn nodes(&self, offer: &Offer) -> Result<u32, Error> {
        let most = offer.suggestion.most;
        let room = match offer.capacity {
            Some((cpus, mem)) => format!(
                " (this machine holds {most}: {cpus} CPUs, {:.1} GiB in the engine)",
                mem as f64 / (1u64 << 30) as f64
            ),
            None => String::new(),
        };
        Input::<u32>::with_theme(&self.theme)
            .with_prompt(format!("Nodes in all{room}"))
            .default(offer.suggestion.nodes)
            .validate_with(|n: &u32| in_range(*n, 1, crate::config::MAX_NODES as u32))
            .interact_on(&self.term)
            .map_err(prompt_error)
    }

    fn control_planes(&self, nodes: u32) -> Result<u32, Error> {
        Input::<u32>::with_theme(&self.theme)
            .with_prompt("Control planes among them (3 makes the control plane highly available)")
            .default(1)
            .validate_with(|n: &u32| in_range(*n, 1, nodes))
            .interact_on(&self.term)
            .map_err(prompt_error)
    }

    fn image(&self, offer: &Offer) -> Result<Option<String>, Error> {
        let labels: Vec<&str> = offer.choices.iter().map(|c| c.label.as_str()).collect();
        let i = Select::with_theme(&self.theme)
            .with_prompt("Kubernetes version")
            .items(&labels)
            .default(offer.default_choice)
            .interact_on(&self.term)
            .map_err(prompt_error)?;
        Ok(offer.choices.get(i).and_then(|c| c.image.clone()))
    }

    fn ports(&self, offer: &Offer) -> Result<Vec<PublishPort>, Error> {
        let text = Input::<String>::with_theme(&self.theme)
            .with_prompt(
                "Ports to publish for an ingress (HOST:CONTAINER, comma-separated; - for none)",
            )
            .default(ports_text(&offer.ports))
            .validate_with(|s: &String| none_or(s, |s| parse_ports(s).map(drop)))
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
            .with_prompt(format!(
                "A folder to mount at {MOUNT_CONTAINER_PATH} in the nodes (- for none)"
            ))
            .default("-".into())
            .validate_with(|s: &String| none_or(s, |s| folder(s).map(drop)))
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
            .with_prompt("Write the config to")
            .default(suggested.display().to_string())
            .validate_with(move |s: &String| {
                if Path::new(s).exists() && !force {
                    Err(format!(
                        "{s} exists: type another name (or rerun with --force to replace it)"
                    ))
                } else {
                    Ok(())
                }
            })
            .interact_on(&self.term)
            .map_err(prompt_error)?;
        Ok(PathBuf::from(text))
    }
}

fn in_range(n: u32, low: u32, high: u32) -> Result<(), String> {
    if (low..=high).contains(&n) {
        Ok(())
    } else {
        Err(format!("type a number from {low} to {high}"))
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
        fallback: "run `minik init --help` to give every answer as a flag",
    }
    .into()
}
