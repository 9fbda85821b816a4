//! Serving the subnet's gRPC services on an address (port 0 picks a free one) and connecting to
//! them, with the message-size limits of [`crate::net::protocol`].

use crate::chain::{ChainService, EmbeddedChain};
use crate::net::protocol::{pb, MAX_MESSAGE_BYTES};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Channel, Endpoint, Server};

/// A running service: its address; dropping it (or [`Served::stop`]) shuts it down.
pub struct Served {
    /// Where it listens.
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<()>>,
}

impl Served {
    /// `http://<addr>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stop serving and wait (at most two seconds: a request held open by a silent peer does not
    /// keep it alive) until the server has closed.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            let abort = h.abort_handle();
            if tokio::time::timeout(Duration::from_secs(2), h)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

async fn bind(addr: SocketAddr) -> std::io::Result<(SocketAddr, TcpIncoming)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    Ok((local, TcpIncoming::from(listener)))
}

macro_rules! serve_fn {
    ($(#[$doc:meta])* $name:ident, $ty:ty, $server:path, $wrap:expr) => {
        $(#[$doc])*
        pub async fn $name(service: $ty, addr: SocketAddr) -> std::io::Result<Served> {
            let (local, incoming) = bind(addr).await?;
            let (tx, rx) = oneshot::channel::<()>();
            let svc = <$server>::new($wrap(service))
                .max_decoding_message_size(MAX_MESSAGE_BYTES)
                .max_encoding_message_size(usize::MAX);
            let handle = tokio::spawn(async move {
                let _ = Server::builder()
                    .add_service(svc)
                    .serve_with_incoming_shutdown(incoming, async {
                        let _ = rx.await;
                    })
                    .await;
            });
            Ok(Served {
                addr: local,
                shutdown: Some(tx),
                handle: Some(handle),
            })
        }
    };
}

macro_rules! run_fn {
    ($(#[$doc:meta])* $name:ident, $ty:ty, $server:path, $wrap:expr) => {
        $(#[$doc])*
        pub async fn $name(
            service: $ty,
            listener: tokio::net::TcpListener,
            shutdown: impl std::future::Future<Output = ()> + Send,
        ) -> Result<(), tonic::transport::Error> {
            let svc = <$server>::new($wrap(service))
                .max_decoding_message_size(MAX_MESSAGE_BYTES)
                .max_encoding_message_size(usize::MAX);
            Server::builder()
                .add_service(svc)
                .serve_with_incoming_shutdown(TcpIncoming::from(listener), shutdown)
                .await
        }
    };
}

run_fn!(
    /// Run the chain's service on `listener` until `shutdown` resolves (a role process).
    run_chain,
    EmbeddedChain,
    pb::chain_server::ChainServer<ChainService>,
    ChainService::new
);

serve_fn!(
    /// Serve the embedded chain.
    serve_chain,
    EmbeddedChain,
    pb::chain_server::ChainServer<ChainService>,
    ChainService::new
);

/// A lazy channel to `url` (connects on first use, fails fast when nothing listens).
pub fn channel(url: &str) -> Result<Channel, tonic::transport::Error> {
    Ok(Endpoint::from_shared(url.to_string())?
        .connect_timeout(Duration::from_secs(5))
        .connect_lazy())
}

/// A chain client.
pub fn chain_client(
    url: &str,
) -> Result<pb::chain_client::ChainClient<Channel>, tonic::transport::Error> {
    Ok(pb::chain_client::ChainClient::new(channel(url)?)
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES))
}
