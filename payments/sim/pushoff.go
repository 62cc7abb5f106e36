package sim

// CodePushDisabled is the error a sales unit without PUSH_MESSAGE approval
// gets for a push request.
const CodePushDisabled = "5080"

// SetPushDisabled takes PUSH_MESSAGE away from (or gives it back to) the sales
// unit msn, as Vipps does for a sales unit not approved for it: its push
// requests are then refused with 403 and error 5080.
func (s *Sim) SetPushDisabled(msn string, off bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pushOff == nil {
		s.pushOff = map[string]bool{}
	}
	s.pushOff[msn] = off
}
