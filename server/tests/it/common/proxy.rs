//! A TCP relay in front of one of the stack's services, which a test stops and starts again
//! on the same port: the service, as the site sees it, goes down and comes back.

use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

pub struct Relay {
    /// Where the site connects.
    pub addr: SocketAddr,
    target: String,
    running: Option<JoinSet<()>>,
}

impl Relay {
    /// A running relay on a free local port to `target` (`host:port`).
    pub async fn start(target: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut relay = Self {
            addr,
            target: target.to_owned(),
            running: None,
        };
        relay.serve(listener);
        relay
    }

    /// The relay's address as an endpoint URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn serve(&mut self, listener: TcpListener) {
        let target = self.target.clone();
        let mut tasks = JoinSet::new();
        tasks.spawn(async move {
            let mut connections = JoinSet::new();
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    continue;
                };
                let target = target.clone();
                connections.spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        self.running = Some(tasks);
    }

    /// Stops listening and cuts every open connection: the service is down.
    pub async fn stop(&mut self) {
        if let Some(mut tasks) = self.running.take() {
            tasks.shutdown().await;
        }
    }

    /// Listens again on the same port: the service is back.
    pub async fn restart(&mut self) {
        self.stop().await;
        let listener = TcpListener::bind(self.addr).await.unwrap();
        self.serve(listener);
    }
}

/// `host:port` of an endpoint URL such as `http://localhost:8000/`.
pub fn host_port(url: &str) -> String {
    let rest = url.split("://").nth(1).unwrap_or(url);
    rest.trim_end_matches('/').to_owned()
}
