//! The ports the server functions use: traits that the server's adapters implement.
