//! Client sessions as the simulation drives them: waking a session to
//! issue its next operation, carrying out what it asks, and recording each
//! completed operation for the accounting, the history, the trace and the
//! checker.

use super::*;

impl Simulation {
    pub(super) fn wake_session(&mut self, s: SessionId) {
        let mut fx = core::mem::take(&mut self.client_effects);
        let w = &self.scenario.workload;
        let routing = &self.scenario.routing;
        self.sessions[s as usize].wake(self.now_us, w, routing, &self.view, &mut self.rng, &mut fx);
        for e in &fx {
            if let ClientEffect::Send {
                msg: Msg::WriteReq { .. },
                ..
            } = e
            {
                self.accounting.on_write_issued();
            }
        }
        self.client_effects_apply(s, &mut fx);
        self.client_effects = fx;
    }

    pub(super) fn client_effects_apply(&mut self, s: SessionId, fx: &mut Vec<ClientEffect>) {
        for e in fx.drain(..) {
            let now = self.now_us;
            match e {
                ClientEffect::Send { to, msg } => self.send(Addr::Client(s), to, msg),
                ClientEffect::Wake { after_us } => self
                    .queue
                    .push(now + after_us, Event::ClientWake { session: s }),
                ClientEffect::Timeout { after_us } => {
                    // A timer already due by then will re-arm itself.
                    let at = now + after_us;
                    let timer = &mut self.client_timer_us[s as usize];
                    if timer.is_none_or(|t| t > at) {
                        *timer = Some(at);
                        self.queue.push(at, Event::ClientTimeout { session: s });
                    }
                }
                ClientEffect::Done(op) => self.record_op(op),
            }
        }
    }

    pub(super) fn record_op(&mut self, op: OpRecord) {
        self.accounting.on_op(&op, &self.cluster);
        if let Some(h) = self.history.as_mut() {
            h.push(op);
        }
        self.emit(TraceEvent::Op {
            t_us: self.now_us,
            op,
        });
        if let Some(c) = self.checker.as_mut() {
            let found = c.observe(&op);
            self.record_violations(found);
        }
    }

    pub(super) fn record_violations(&mut self, found: Vec<Violation>) {
        for v in found {
            self.accounting.on_violation(v);
            self.emit(TraceEvent::Violation {
                t_us: self.now_us,
                violation: v,
            });
        }
    }
}
