//! LoopBack's configuration files: `datasources.json` and `model-config.json`, with
//! `${VAR}` / `${VAR:-default}` environment substitution. They override the code's choices
//! (see [`crate::AppBuilder::config_dir`]).

pub mod boot;
pub mod datasources;
mod env;
pub mod model_config;

pub use datasources::DatasourceConfig;
pub use model_config::ModelConfig;
