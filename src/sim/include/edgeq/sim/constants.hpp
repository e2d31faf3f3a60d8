// Physical constants used by the simulation. Units: MeV, cm, us, g/cm3 unless a name says otherwise.
#pragma once

namespace edgeq::sim::phys {

// Particle masses [MeV], PDG Review of Particle Physics 2024.
inline constexpr double kElectronMass = 0.51099895;
inline constexpr double kMuonMass = 105.6583755;
inline constexpr double kChargedPionMass = 139.57039;
inline constexpr double kNeutralPionMass = 134.9768;
inline constexpr double kProtonMass = 938.27208816;
inline constexpr double kNeutronMass = 939.56542052;

/// K = 4 pi N_A r_e^2 m_e c^2 [MeV cm2/mol], PDG "Passage of particles through matter".
inline constexpr double kBetheK = 0.307075;
/// Classical electron radius [cm], PDG.
inline constexpr double kElectronRadiusCm = 2.8179403262e-13;
inline constexpr double kAvogadro = 6.02214076e23;

/// Michel electron endpoint (m_mu^2 + m_e^2) / (2 m_mu) = 52.83 MeV.
inline constexpr double kMichelEndpoint =
    (kMuonMass * kMuonMass + kElectronMass * kElectronMass) / (2 * kMuonMass);
/// pi0 -> gamma gamma branching ratio 98.823% (PDG); the Dalitz mode is treated as gamma gamma.
inline constexpr double kPi0GammaGammaBR = 0.98823;

// Argon (LArSoft lardataalg DetectorInfo/larproperties.fcl, detectorproperties.fcl).
inline constexpr double kArgonZ = 18.0;
inline constexpr double kArgonA = 39.948;  // g/mol
/// Sternheimer density-effect parameters for liquid argon (LArSoft detectorproperties.fcl).
inline constexpr double kSternheimerA = 0.1956;
inline constexpr double kSternheimerK = 3.0;
inline constexpr double kSternheimerX0 = 0.2;
inline constexpr double kSternheimerX1 = 3.0;
inline constexpr double kSternheimerCbar = 5.2146;

}  // namespace edgeq::sim::phys
