//! Client sessions as the simulation drives them: waking a session to
//! issue its next operation, handing open-loop arrivals to idle sessions
//! or to their class's backlog, carrying out what sessions ask, and
//! recording each completed operation for the accounting, the history, the
//! trace and the checker.

use super::*;

impl Simulation {
    pub(super) fn wake_session(&mut self, s: SessionId) {
        let mut fx = core::mem::take(&mut self.client_effects);
        let w = &self.scenario.workload;
        let routing = &self.scenario.routing;
        self.sessions[s as usize].wake(self.now_us, w, routing, &self.view, &mut self.rng, &mut fx);
        let class = self.sessions[s as usize].class;
        for e in &fx {
            if let ClientEffect::Send {
                msg: Msg::WriteReq { .. },
                ..
            } = e
            {
                self.accounting.on_write_issued(class);
            }
        }
        self.client_effects_apply(s, &mut fx);
        self.client_effects = fx;
    }

    /// A reply reached session `s`.
    pub(super) fn session_reply(&mut self, s: SessionId, msg: Msg) {
        let mut fx = core::mem::take(&mut self.client_effects);
        let w = &self.scenario.workload;
        self.sessions[s as usize].on_reply(self.now_us, msg, w, &mut self.rng, &mut fx);
        self.client_effects_apply(s, &mut fx);
        self.client_effects = fx;
        self.serve_backlog(s);
    }

    /// Session `s`'s timer fired.
    pub(super) fn session_timeout(&mut self, s: SessionId) {
        self.client_timer_us[s as usize] = None;
        let mut fx = core::mem::take(&mut self.client_effects);
        let w = &self.scenario.workload;
        self.sessions[s as usize].on_timeout(self.now_us, w, &mut self.rng, &mut fx);
        self.client_effects_apply(s, &mut fx);
        self.client_effects = fx;
        self.serve_backlog(s);
    }

    /// An open-loop arrival of `class` came due: it starts on an idle
    /// session of the class, or waits for one (arrivals that have waited a
    /// second are shed).
    pub(super) fn arrival(&mut self, class: u8) {
        let c = class as usize;
        let Some(a) = self.arrivals[c].as_mut() else {
            return;
        };
        let due_us = a.arrive();
        if let Some(next) = a.next_due_us() {
            self.queue.push(next, Event::Arrival { class });
        }
        self.accounting.on_arrival(class);
        let spec = &self.scenario.workload.classes[c];
        let (first, count) = (spec.first_session, spec.sessions);
        let a = self.arrivals[c].as_mut().expect("checked above");
        let shed = a.expire(self.now_us);
        self.accounting.on_arrivals_shed(class, shed);
        let idle = if a.waiting() == 0 {
            let sessions = &self.sessions;
            a.pick_idle(count, |i| !sessions[(first + i) as usize].busy())
        } else {
            None
        };
        match idle {
            Some(i) => self.start_arrival(first + i, due_us),
            None => a.wait(due_us),
        }
    }

    /// Session `s` may have just finished: if it is an idle open-loop
    /// session and its class has arrivals waiting, it takes the oldest.
    fn serve_backlog(&mut self, s: SessionId) {
        let session = &self.sessions[s as usize];
        if session.busy() || self.now_us >= self.scenario.workload.stop_at_us {
            return;
        }
        let class = session.class;
        let Some(a) = self.arrivals[class as usize].as_mut() else {
            return;
        };
        let shed = a.expire(self.now_us);
        self.accounting.on_arrivals_shed(class, shed);
        if let Some(due_us) = a.take() {
            self.start_arrival(s, due_us);
        }
    }

    /// Starts the arrival due at `due_us` on idle session `s`.
    fn start_arrival(&mut self, s: SessionId, due_us: u64) {
        let class = self.sessions[s as usize].class;
        self.accounting
            .on_arrival_started(class, self.now_us.saturating_sub(due_us));
        self.wake_session(s);
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
        let class = self.sessions[op.session as usize].class;
        self.accounting.on_op(&op, class, &self.cluster);
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

    /// The open-loop schedule of workload class `class` (`None` for a
    /// closed-loop class): arrivals offered, shed and waiting.
    pub fn arrivals(&self, class: u8) -> Option<&Arrivals> {
        self.arrivals.get(class as usize)?.as_ref()
    }
}
