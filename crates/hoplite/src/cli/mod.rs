pub mod identities;
